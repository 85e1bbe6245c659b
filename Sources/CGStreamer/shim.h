#pragma once
// GStreamer 1.x core and its app library (Debian: libgstreamer1.0-dev,
// libgstreamer-plugins-base1.0-dev). pkg-config ("gstreamer-app-1.0") adds the include folders.
// Only KitCameraShims includes this; Swift talks to the shim's plain C API.
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
