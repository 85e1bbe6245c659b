#pragma once
// OpenPACE (Debian: libeac-dev): PACE, Terminal and Chip Authentication, secure messaging
// (BSI TR-03110). pkg-config name "libeac"; it links OpenSSL's libcrypto.
#include <eac/eac.h>
#include <eac/pace.h>
#include <eac/ca.h>
#include <eac/ta.h>
#include <eac/cv_cert.h>
#include <eac/objects.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
