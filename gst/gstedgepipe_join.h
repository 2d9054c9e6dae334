/* gstedgepipe_join.h — the node the element appends to every graph it runs.
 *
 * EdgepipeGstJoin has three inputs, synchronised by timestamp with the
 * Default handler: INPUT (the graph input stream the element feeds), IMAGE
 * (the image output, optional) and DETECTIONS (optional). Because INPUT
 * carries every frame, process() runs once per frame, when the graph has
 * settled that timestamp: IMAGE is then the output frame, or NULL when the
 * graph dropped the frame (its bound passed without a packet). It sends one
 * "EdgepipeGstResult" packet per frame on its output; the element observes
 * that stream, so it learns about drops without any bound notification
 * from the graph API. */
#ifndef EDGEPIPE_GST_JOIN_H
#define EDGEPIPE_GST_JOIN_H

#include "edgepipe/calculator.h"
#include "edgepipe/type.h"

#define EP_GST_JOIN_CALCULATOR "EdgepipeGstJoin"
#define EP_GST_JOIN_NODE "edgepipe_gst_join"
#define EP_GST_JOIN_STREAM "edgepipe_gst_result"

/* The payload of an "EdgepipeGstResult" packet: the packets the graph sent
 * at the frame's timestamp (each holds one reference, or is NULL). */
typedef struct ep_gst_result {
  ep_packet *image;
  ep_packet *detections;
} ep_gst_result;

extern const ep_type ep__gst_type_result;
extern const ep_calculator_def ep__gst_calc_join;

/* Registers the type and the calculator (idempotent). 0 or EP_E*. */
int ep__gst_join_register(void);

#endif
