/* detections_to_render_data_calculator.c —
 * DetectionsToRenderDataCalculator: detections to drawable annotations.
 *
 * Options are MediaPipe's DetectionsToRenderDataCalculatorOptions except
 * render_detection_id (our detections have no id) and the text style
 * (the overlay has one built-in font; the label height follows the box). */
#include "detections_to_render_data_calculator.h"

#include <stdio.h>
#include <string.h>

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"

/* MediaPipe's label line: a tenth of the box height. */
#define LABEL_TO_BOX_RATIO 0.1f

static ep_render_annotation annotation(const ep_d2rd_options *o,
                                       ep_render_kind kind) {
  ep_render_annotation a;
  memset(&a, 0, sizeof a);
  a.kind = kind;
  a.color = o->color;
  a.thickness = o->thickness;
  a.normalized = true;
  return a;
}

static float clamp01(float v) { return v < 0.f ? 0.f : v > 1.f ? 1.f : v; }

static int add_label(const ep_d2rd_options *o, const ep_detection *d,
                     ep_render_data *rd) {
  ep_render_annotation a = annotation(o, EP_RENDER_TEXT);
  char id[16];
  snprintf(id, sizeof id, "%d", d->label_id);
  snprintf(a.u.text.display_text, sizeof a.u.text.display_text, "%s%s%g%s",
           d->label[0] ? d->label : id, o->text_delimiter, (double)d->score,
           o->text_delimiter);
  /* One label line plus MediaPipe's feature-tag line share the box. */
  float line =
      d->height * (LABEL_TO_BOX_RATIO < 0.5f ? LABEL_TO_BOX_RATIO : 0.5f);
  a.u.text.font_height = line * 0.9f;
  a.u.text.left = d->xmin > 0.f ? d->xmin : 0.f;
  a.u.text.baseline = d->ymin + line < 1.f ? d->ymin + line : 1.f;
  return ep_render_data_push(rd, &a);
}

int ep__detection_to_render_data(const ep_d2rd_options *o,
                                 const ep_detection *d, ep_render_data *rd) {
  int rc = add_label(o, d, rd);
  ep_render_annotation a = annotation(o, EP_RENDER_RECTANGLE);
  /* A box wholly outside the image draws nothing (as MediaPipe). */
  bool visible = d->xmin + d->width >= 0.f && d->ymin + d->height >= 0.f &&
                 d->xmin <= 1.f && d->ymin <= 1.f;
  if (!rc && visible) {
    a.u.rect.left = clamp01(d->xmin);
    a.u.rect.top = clamp01(d->ymin);
    a.u.rect.right = clamp01(d->xmin + d->width);
    a.u.rect.bottom = clamp01(d->ymin + d->height);
    rc = ep_render_data_push(rd, &a);
  }
  for (int k = 0; !rc && k < d->n_keypoints; k++) {
    a = annotation(o, EP_RENDER_POINT);
    a.u.point.x = d->keypoints[k].x;
    a.u.point.y = d->keypoints[k].y;
    rc = ep_render_data_push(rd, &a);
  }
  return rc;
}

/* --- the calculator ------------------------------------------------------ */

static const ep_option_spec color_fields[] = {
    {"r", EP_OPT_INT, 0, "0", 0, 255, NULL, NULL},
    {"g", EP_OPT_INT, 0, "0", 0, 255, NULL, NULL},
    {"b", EP_OPT_INT, 0, "0", 0, 255, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const ep_option_spec options[] = {
    {"produce_empty_packet", EP_OPT_BOOL, 0, "true", 0, 0, NULL, NULL},
    {"text_delimiter", EP_OPT_STRING, 0, ",", 0, 0, NULL, NULL},
    /* Accepted for MediaPipe graphs; a detection here has one label, so
     * there is only ever one line. */
    {"one_label_per_line", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"thickness", EP_OPT_FLOAT, 0, "1.0", 0, 1000, NULL, NULL},
    {"color", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, color_fields},
    {"scene_class", EP_OPT_STRING, 0, "DETECTION", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct state {
  ep_d2rd_options o;
  bool produce_empty;
  const char *scene_class;
} state;

static int d2rd_open(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  const ep_options *op = ep_ctx_options(ctx);
  const ep_options *c = ep_options_message(op, "color", 0);
  s->o = (ep_d2rd_options){
      .thickness = (float)ep_options_float(op, "thickness"),
      .color = {(uint8_t)ep_options_int(c, "r"),
                (uint8_t)ep_options_int(c, "g"),
                (uint8_t)ep_options_int(c, "b")},
      .text_delimiter = ep_options_string(op, "text_delimiter"),
  };
  s->produce_empty = ep_options_bool(op, "produce_empty_packet");
  s->scene_class = ep_options_string(op, "scene_class");
  return 0;
}

static int d2rd_process(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  ep_packet *in = ep_ctx_input(ctx, "DETECTIONS", 0);
  if (!in)
    return 0;
  const ep_detections *ds = ep_packet_data(in);
  if (ds->n == 0 && !s->produce_empty)
    return 0;
  ep_render_data *rd = ep_render_data_new();
  int rc = rd ? 0 : EP_ENOMEM;
  if (rd)
    snprintf(rd->scene_class, sizeof rd->scene_class, "%s", s->scene_class);
  for (size_t i = 0; !rc && i < ds->n; i++)
    rc = ep__detection_to_render_data(&s->o, &ds->v[i], rd);
  if (rc) {
    ep_render_data_free(rd);
    return ep_ctx_fail(ctx, rc, "out of memory");
  }
  ep_packet *p = ep_packet_new(&ep_type_render_data, rd, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "RENDER_DATA", 0, p);
}

static const ep_port_spec inputs[] = {
    {"DETECTIONS", "Detections", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"RENDER_DATA", "RenderData", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_DetectionsToRenderDataCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "DetectionsToRenderDataCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(state),
    .open = d2rd_open,
    .process = d2rd_process,
};
