#pragma once
// Thin C glue between Swift and GStreamer: parses a pipeline description, runs it, and pulls RGB
// frames from its appsink. GStreamer's API lives on GObject macros and variadic setters that Swift
// cannot call; no logic lives here. The header needs no GStreamer include, so Swift sees plain C.
#include <stddef.h>
#include <stdint.h>

/// A running GStreamer pipeline (opaque).
typedef struct KitCameraPipeline KitCameraPipeline;

/// One RGB frame copied out of the appsink; free `data` with kit_camera_frame_free.
typedef struct {
    uint8_t *data;
    size_t size;
    int width;
    int height;
    int stride;
} KitCameraFrame;

/// Parses `description` (gst-launch syntax) and sets it PLAYING, waiting up to `timeout_ms` for
/// the state change. Returns NULL and a g_malloc'd message in `*error` (free with
/// kit_camera_free_string) when the description is invalid or the pipeline fails to start.
KitCameraPipeline *kit_camera_pipeline_start(const char *description, int timeout_ms, char **error);

/// Pulls the next frame from the appsink named "sink", waiting up to `timeout_ms`.
/// Returns 1 with a frame, 0 on timeout, -1 at end of stream or error (message in `*error`).
int kit_camera_pipeline_pull(KitCameraPipeline *pipeline, int timeout_ms, KitCameraFrame *frame, char **error);

/// Frame rate the appsink's caps negotiated, as numerator/denominator (0/1 when unknown).
void kit_camera_pipeline_framerate(KitCameraPipeline *pipeline, int *numerator, int *denominator);

/// Reads an integer property of the element named `element` (e.g. tcpserversink's "current-port").
/// Returns 1 if the element and property exist.
int kit_camera_pipeline_int_property(KitCameraPipeline *pipeline, const char *element, const char *property,
                                     int *value);

/// Stops the pipeline (state NULL) and frees it.
void kit_camera_pipeline_stop(KitCameraPipeline *pipeline);

/// Frees a frame's pixels.
void kit_camera_frame_free(KitCameraFrame *frame);

/// Frees a message returned through an `error` argument.
void kit_camera_free_string(char *string);
