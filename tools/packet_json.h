/* packet_json.h — pipe-run's --print: one JSON line per packet.
 *
 *   {"stream":"face_detections","timestamp_us":33333,"detections":[...]}
 *   {"stream":"count","timestamp_us":2,"type":"Int","value":2}
 *
 * A Detections packet is written as its list (each detection's score,
 * label, relative box and keypoints, from the type's describe()); any
 * other type as its name and its describe() value (null without one).
 * timestamp_us is a number, or the name of a special timestamp as a
 * string ("PreStream"). */
#ifndef EDGEPIPE_PACKET_JSON_H
#define EDGEPIPE_PACKET_JSON_H

#include <stdio.h>

#include "edgepipe/packet.h"

/* Writes p (transfer none) as one line to f, under f's lock so lines of
 * streams printed from different threads do not mix. 0, EP_ENOMEM, or
 * EP_EIO when f has failed (errno says why). */
int ep__packet_json_write(FILE *f, const char *stream, ep_packet *p);

#endif
