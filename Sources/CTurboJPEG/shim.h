#pragma once
// libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev), for the face image of the
// ISO/IEC 19794-5 record (image data type 0x00, JPEG).
#include <turbojpeg.h>
