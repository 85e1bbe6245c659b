#pragma once
// Thin C glue for libfprint/GObject signals: g_signal_connect needs a callback cast through the
// G_CALLBACK macro, which Swift cannot express. No logic lives here.
#include <fprint.h>

/// Signature of a GObject "notify::<property>" handler.
typedef void (*KitFprintNotifyFunc)(GObject *object, GParamSpec *pspec, gpointer data);

/// Signature of FpContext's "device-added" / "device-removed" handlers.
typedef void (*KitFprintContextDeviceFunc)(FpContext *context, FpDevice *device, gpointer data);

/// Connects `func` to "notify::<property>" of `instance`; `destroy` releases `data` on disconnect.
gulong kit_fprint_connect_notify(gpointer instance, const gchar *property, KitFprintNotifyFunc func,
                                 gpointer data, GDestroyNotify destroy);

/// Connects `func` to a device signal ("device-added", "device-removed") of `context`.
gulong kit_fprint_connect_context_device(FpContext *context, const gchar *signal,
                                         KitFprintContextDeviceFunc func, gpointer data,
                                         GDestroyNotify destroy);
