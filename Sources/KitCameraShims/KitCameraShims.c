#include "KitCameraShims.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

struct KitCameraPipeline {
    GstElement *pipeline;
    GstAppSink *sink;
};

static gpointer kit_camera_init_once(gpointer unused) {
    (void)unused;
    gst_init(NULL, NULL);
    return NULL;
}

static void kit_camera_init(void) {
    static GOnce once = G_ONCE_INIT;
    g_once(&once, kit_camera_init_once, NULL);
}

/// The first error message on the bus, if any (g_malloc'd).
static char *kit_camera_bus_error(GstElement *pipeline) {
    GstBus *bus = gst_element_get_bus(pipeline);
    char *text = NULL;
    GstMessage *message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message != NULL) {
        GError *gerror = NULL;
        gchar *debug = NULL;
        gst_message_parse_error(message, &gerror, &debug);
        text = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                               gerror != NULL ? gerror->message : "unknown error");
        g_clear_error(&gerror);
        g_free(debug);
        gst_message_unref(message);
    }
    gst_object_unref(bus);
    return text;
}

KitCameraPipeline *kit_camera_pipeline_start(const char *description, int timeout_ms, char **error) {
    kit_camera_init();
    GError *gerror = NULL;
    GstElement *pipeline = gst_parse_launch(description, &gerror);
    if (pipeline == NULL || gerror != NULL) {
        *error = g_strdup(gerror != NULL ? gerror->message : "pipeline description not understood");
        g_clear_error(&gerror);
        if (pipeline != NULL) gst_object_unref(pipeline);
        return NULL;
    }
    GstAppSink *sink = NULL;
    if (GST_IS_BIN(pipeline)) {
        GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
        if (element != NULL && GST_IS_APP_SINK(element)) {
            sink = GST_APP_SINK(element);
        } else if (element != NULL) {
            gst_object_unref(element);
        }
    }
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        char *bus = kit_camera_bus_error(pipeline);
        *error = bus != NULL ? bus : g_strdup("pipeline refused to start");
        gst_element_set_state(pipeline, GST_STATE_NULL);
        if (sink != NULL) gst_object_unref(sink);
        gst_object_unref(pipeline);
        return NULL;
    }
    GstState state = GST_STATE_NULL;
    GstStateChangeReturn change =
        gst_element_get_state(pipeline, &state, NULL, (GstClockTime)timeout_ms * GST_MSECOND);
    if (change == GST_STATE_CHANGE_FAILURE) {
        char *bus = kit_camera_bus_error(pipeline);
        *error = bus != NULL ? bus : g_strdup("pipeline failed while starting");
        gst_element_set_state(pipeline, GST_STATE_NULL);
        if (sink != NULL) gst_object_unref(sink);
        gst_object_unref(pipeline);
        return NULL;
    }
    KitCameraPipeline *result = g_new0(KitCameraPipeline, 1);
    result->pipeline = pipeline;
    result->sink = sink;
    return result;
}

int kit_camera_pipeline_pull(KitCameraPipeline *pipeline, int timeout_ms, KitCameraFrame *frame, char **error) {
    memset(frame, 0, sizeof(*frame));
    if (pipeline->sink == NULL) {
        *error = g_strdup("pipeline has no appsink named \"sink\"");
        return -1;
    }
    GstSample *sample = gst_app_sink_try_pull_sample(pipeline->sink, (GstClockTime)timeout_ms * GST_MSECOND);
    if (sample == NULL) {
        char *bus = kit_camera_bus_error(pipeline->pipeline);
        if (bus != NULL) {
            *error = bus;
            return -1;
        }
        if (gst_app_sink_is_eos(pipeline->sink)) {
            *error = g_strdup("end of stream");
            return -1;
        }
        return 0;
    }
    GstVideoInfo info;
    GstCaps *caps = gst_sample_get_caps(sample);
    if (caps == NULL || !gst_video_info_from_caps(&info, caps) || GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_FORMAT_RGB) {
        gst_sample_unref(sample);
        *error = g_strdup("appsink caps are not video/x-raw,format=RGB");
        return -1;
    }
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buffer == NULL || !gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        gst_sample_unref(sample);
        *error = g_strdup("frame buffer could not be mapped");
        return -1;
    }
    int width = GST_VIDEO_INFO_WIDTH(&info);
    int height = GST_VIDEO_INFO_HEIGHT(&info);
    int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
    size_t needed = (size_t)stride * (size_t)height;
    if (map.size < needed) {
        gst_buffer_unmap(buffer, &map);
        gst_sample_unref(sample);
        *error = g_strdup("frame buffer shorter than its caps say");
        return -1;
    }
    frame->data = g_malloc(needed);
    memcpy(frame->data, map.data, needed);
    frame->size = needed;
    frame->width = width;
    frame->height = height;
    frame->stride = stride;
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
    return 1;
}

void kit_camera_pipeline_framerate(KitCameraPipeline *pipeline, int *numerator, int *denominator) {
    *numerator = 0;
    *denominator = 1;
    if (pipeline->sink == NULL) return;
    GstPad *pad = gst_element_get_static_pad(GST_ELEMENT(pipeline->sink), "sink");
    if (pad == NULL) return;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (caps != NULL) {
        GstStructure *structure = gst_caps_get_structure(caps, 0);
        gint n = 0, d = 1;
        if (structure != NULL && gst_structure_get_fraction(structure, "framerate", &n, &d)) {
            *numerator = n;
            *denominator = d;
        }
        gst_caps_unref(caps);
    }
    gst_object_unref(pad);
}

int kit_camera_pipeline_int_property(KitCameraPipeline *pipeline, const char *element, const char *property,
                                     int *value) {
    if (!GST_IS_BIN(pipeline->pipeline)) return 0;
    GstElement *found = gst_bin_get_by_name(GST_BIN(pipeline->pipeline), element);
    if (found == NULL) return 0;
    GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(found), property);
    int ok = 0;
    if (spec != NULL && spec->value_type == G_TYPE_INT) {
        gint read = 0;
        g_object_get(found, property, &read, NULL);
        *value = read;
        ok = 1;
    }
    gst_object_unref(found);
    return ok;
}

void kit_camera_pipeline_stop(KitCameraPipeline *pipeline) {
    if (pipeline == NULL) return;
    gst_element_set_state(pipeline->pipeline, GST_STATE_NULL);
    if (pipeline->sink != NULL) gst_object_unref(pipeline->sink);
    gst_object_unref(pipeline->pipeline);
    g_free(pipeline);
}

void kit_camera_frame_free(KitCameraFrame *frame) {
    g_free(frame->data);
    frame->data = NULL;
    frame->size = 0;
}

void kit_camera_free_string(char *string) { g_free(string); }
