#pragma once
// pcsc-lite client library (Debian: libpcsclite-dev). pkg-config adds -I/usr/include/PCSC.
#include <winscard.h>
#include <reader.h>
