#pragma once
// libfprint 2 (Debian: libfprint-2-dev) and the GLib/GObject/GIO it is built on. pkg-config
// ("libfprint-2") adds -I/usr/include/libfprint-2 and the GLib include folders.
#include <fprint.h>
#include <gio/gio.h>
