'use strict';
// Op-for-op copies of face-api 1.7.15 internals (src/ssdMobilenetv1/*.ts, src/faceFeatureExtractor/denseBlock.ts)
// that the package does not export, used only to expose intermediate tensors. make_goldens.js checks that the
// final outputs of these copies are bit-identical to the package's own forwardInput before using them.

const { tf } = require('./env');

// ---- SsdMobilenetv1 (src/ssdMobilenetv1/{mobileNetV1,pointwiseConvLayer,predictionLayer,boxPredictionLayer,outputLayer}.ts)
const BN_EPSILON = 0.0010000000474974513;

function pointwiseConvLayer(x, p, strides) {
  let out = tf.conv2d(x, p.filters, strides, 'same');
  out = tf.add(out, p.batch_norm_offset);
  return tf.clipByValue(out, 0, 6);
}

function depthwiseConvLayer(x, p, strides) {
  let out = tf.depthwiseConv2d(x, p.filters, strides, 'same');
  out = tf.batchNorm(out, p.batch_norm_mean, p.batch_norm_variance, p.batch_norm_offset, p.batch_norm_scale, BN_EPSILON);
  return tf.clipByValue(out, 0, 6);
}

function mobileNetV1(x, params) {
  const taps = {};
  let out = pointwiseConvLayer(x, params.conv_0, [2, 2]);
  taps.conv_0 = out;
  let conv11;
  for (let layerIdx = 1; layerIdx <= 13; layerIdx++) {
    const p = params[`conv_${layerIdx}`];
    const s = [2, 4, 6, 12].includes(layerIdx) ? [2, 2] : [1, 1];
    out = depthwiseConvLayer(out, p.depthwise_conv, s);
    out = pointwiseConvLayer(out, p.pointwise_conv, [1, 1]);
    taps[`conv_${layerIdx}`] = out;
    if (layerIdx === 11) conv11 = out;
  }
  return { out, conv11, taps };
}

function convLayer(x, p) {
  return tf.add(tf.conv2d(x, p.filters, [1, 1], 'same'), p.bias);
}

function boxPredictionLayer(x, p) {
  const b = x.shape[0];
  return {
    boxPredictionEncoding: tf.reshape(convLayer(x, p.box_encoding_predictor), [b, -1, 1, 4]),
    classPrediction: tf.reshape(convLayer(x, p.class_predictor), [b, -1, 3]),
  };
}

function predictionLayer(x, conv11, params) {
  const conv0 = pointwiseConvLayer(x, params.conv_0, [1, 1]);
  const conv1 = pointwiseConvLayer(conv0, params.conv_1, [2, 2]);
  const conv2 = pointwiseConvLayer(conv1, params.conv_2, [1, 1]);
  const conv3 = pointwiseConvLayer(conv2, params.conv_3, [2, 2]);
  const conv4 = pointwiseConvLayer(conv3, params.conv_4, [1, 1]);
  const conv5 = pointwiseConvLayer(conv4, params.conv_5, [2, 2]);
  const conv6 = pointwiseConvLayer(conv5, params.conv_6, [1, 1]);
  const conv7 = pointwiseConvLayer(conv6, params.conv_7, [2, 2]);
  const maps = [conv11, x, conv1, conv3, conv5, conv7];
  const preds = maps.map((m, i) => boxPredictionLayer(m, params[`box_predictor_${i}`]));
  return {
    boxPredictions: tf.concat(preds.map((p) => p.boxPredictionEncoding), 1),
    classPredictions: tf.concat(preds.map((p) => p.classPrediction), 1),
    perPredictor: preds,
    taps: { pred_conv_0: conv0, pred_conv_1: conv1, pred_conv_2: conv2, pred_conv_3: conv3, pred_conv_4: conv4, pred_conv_5: conv5, pred_conv_6: conv6, pred_conv_7: conv7 },
  };
}

function decodeBoxesLayer(x0, x1) {
  const v0 = tf.unstack(tf.transpose(x0, [1, 0]));
  const sizes = [tf.sub(v0[2], v0[0]), tf.sub(v0[3], v0[1])];
  const centers = [tf.add(v0[0], tf.div(sizes[0], 2)), tf.add(v0[1], tf.div(sizes[1], 2))];
  const vec = tf.unstack(tf.transpose(x1, [1, 0]));
  const div0 = tf.div(tf.mul(tf.exp(tf.div(vec[2], 5)), sizes[0]), 2);
  const add0 = tf.add(tf.mul(tf.div(vec[0], 10), sizes[0]), centers[0]);
  const div1 = tf.div(tf.mul(tf.exp(tf.div(vec[3], 5)), sizes[1]), 2);
  const add1 = tf.add(tf.mul(tf.div(vec[1], 10), sizes[1]), centers[1]);
  return tf.transpose(tf.stack([tf.sub(add0, div0), tf.sub(add1, div1), tf.add(add0, div0), tf.add(add1, div1)]), [1, 0]);
}

function outputLayer(boxPredictions, classPredictions, params) {
  const b = boxPredictions.shape[0];
  let boxes = decodeBoxesLayer(tf.reshape(tf.tile(params.extra_dim, [b, 1, 1]), [-1, 4]), tf.reshape(boxPredictions, [-1, 4]));
  boxes = tf.reshape(boxes, [b, boxes.shape[0] / b, 4]);
  const scoresAndClasses = tf.sigmoid(tf.slice(classPredictions, [0, 0, 1], [-1, -1, -1]));
  let scores = tf.slice(scoresAndClasses, [0, 0, 0], [-1, -1, 1]);
  scores = tf.reshape(scores, [b, scores.shape[1]]);
  return { boxes: tf.unstack(boxes), scores: tf.unstack(scores) };
}

/** Full SSD forward on a [1,512,512,3] float batch tensor (0..255); returns every intermediate (caller disposes). */
function ssdForward(batchTensor, params) {
  const x = tf.sub(tf.div(batchTensor, 127.5), 1);
  const features = mobileNetV1(x, params.mobilenetv1);
  const pred = predictionLayer(features.out, features.conv11, params.prediction_layer);
  const outp = outputLayer(pred.boxPredictions, pred.classPredictions, params.output_layer);
  return { normalized: x, features, pred, boxes: outp.boxes[0], scores: outp.scores[0] };
}

// ---- FaceFeatureExtractor (src/faceFeatureExtractor/{FaceFeatureExtractor,denseBlock}.ts, src/common/depthwiseSeparableConv.ts)
function sepConv(x, p, stride) {
  return tf.add(tf.separableConv2d(x, p.depthwise_filter, p.pointwise_filter, stride, 'same'), p.bias);
}

function denseBlock4(x, p, isFirstLayer = false) {
  const out1 = tf.relu(isFirstLayer ? tf.add(tf.conv2d(x, p.conv0.filters, [2, 2], 'same'), p.conv0.bias) : sepConv(x, p.conv0, [2, 2]));
  const out2 = sepConv(out1, p.conv1, [1, 1]);
  const in3 = tf.relu(tf.add(out1, out2));
  const out3 = sepConv(in3, p.conv2, [1, 1]);
  const in4 = tf.relu(tf.add(out1, tf.add(out2, out3)));
  const out4 = sepConv(in4, p.conv3, [1, 1]);
  return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4))));
}

/** Dense feature extractor on a [1,112,112,3] float batch (0..255); returns the taps and the pooled feature. */
function denseFeatures(batchTensor, params) {
  const normalized = tf.div(tf.sub(batchTensor, tf.tensor1d([122.782, 117.001, 104.298])), 255);
  const dense0 = denseBlock4(normalized, params.dense0, true);
  const dense1 = denseBlock4(dense0, params.dense1);
  const dense2 = denseBlock4(dense1, params.dense2);
  const dense3 = denseBlock4(dense2, params.dense3);
  const pooled = tf.avgPool(dense3, [7, 7], [2, 2], 'valid');
  return { dense0, dense1, dense2, dense3, pooled };
}

module.exports = { ssdForward, denseFeatures };
