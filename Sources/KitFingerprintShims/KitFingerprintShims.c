#include "KitFingerprintShims.h"

gulong kit_fprint_connect_notify(gpointer instance, const gchar *property, KitFprintNotifyFunc func,
                                 gpointer data, GDestroyNotify destroy) {
    gchar *detailed = g_strconcat("notify::", property, NULL);
    gulong id = g_signal_connect_data(instance, detailed, G_CALLBACK(func), data,
                                      (GClosureNotify)destroy, 0);
    g_free(detailed);
    return id;
}

gulong kit_fprint_connect_context_device(FpContext *context, const gchar *signal,
                                         KitFprintContextDeviceFunc func, gpointer data,
                                         GDestroyNotify destroy) {
    return g_signal_connect_data(context, signal, G_CALLBACK(func), data, (GClosureNotify)destroy, 0);
}
