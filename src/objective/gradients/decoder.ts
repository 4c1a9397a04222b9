/**
 * Second-order gradients of the decoder layers' kernels (src/model/layers/decoder.ts).
 *
 * Conv2DBackpropInput (tf.conv2dTranspose, and the Conv2D input gradient on the native kernels):
 * dx = convᵀ(dy, W) is bilinear in (dy, W); against an upstream ddx, ∂/∂dy = conv2d(ddx, W) and
 * ∂/∂W = the filter gradient of conv2d(ddx, ·) taking dy. Stock tfjs computes the latter with the
 * Conv2DBackpropFilter kernel, which plain wasm lacks; here it is that kernel where the Conv2D
 * gradient uses the backward kernels (native, cpu under LOSSLENS_CONV_GRAD=kernels) and else the
 * Conv2D form of conv.ts (conv2dFilterGrad) — kernels whose gradients conv.ts registers.
 *
 * ResizeNearestNeighborGrad / ResizeBilinearGrad (the stock gradients of UpSampling2D's resizes):
 * each is the adjoint Rᵀ of a linear resize R with the same attributes, so its gradient with
 * respect to dy is R itself: the forward resize of the upstream to dy's size. tfjs registers
 * none for them, so the outer backprop of an HVP through UpSampling2D would throw. Both kernels
 * exist on cpu and wasm (checked in test/decoder-gradients.test.ts). Both ignore halfPixelCenters
 * (tfjs-layers never sets it), so these gradients refuse it rather than return a wrong one.
 *
 * ResizeNearestNeighbor itself: tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad reads dy at the
 * images' batch stride, so every sample after the first gets another sample's gradient. Here an
 * integer upscale without aligned corners (every UpSampling2D) takes the block sum of dy (Reshape,
 * Sum: no kernel of its own, twice differentiable); other resizes the kernel, one sample at a time on cpu.
 *
 * ResizeBilinear itself: tfjs-backend-cpu 4.22's ResizeBilinearGrad labels its output
 * [batch, width, height, depth] (values laid out as [batch, height, width, depth]), so the stock
 * gradient fails on any non-square input; here the kernel's output is reshaped to the images' shape.
 */
import tf from '../../tf.cjs';
import { conv2dFilterGrad, convGeometry, convGradMode } from './conv.js';

export const DECODER_KERNELS = ['Conv2DBackpropInput', 'ResizeNearestNeighbor', 'ResizeBilinear', 'ResizeNearestNeighborGrad', 'ResizeBilinearGrad'];

type BackpropAttrs = { strides: number | number[]; pad: 'same' | 'valid'; dataFormat?: string; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

function filterGrad(ddx: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], a: BackpropAttrs): tf.Tensor4D {
  const [kh, kw] = filterShape as [number, number];
  if (convGradMode() === 'kernels') {
    const attrs = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode, filterShape };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x: ddx, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  const g = convGeometry([ddx.shape[1], ddx.shape[2]], [dy.shape[1], dy.shape[2]], [kh, kw], a.strides, 1, a.pad);
  return conv2dFilterGrad(ddx, dy, [kh, kw], g);
}

function registerTransposeGradient(): void {
  tf.registerGradient({
    kernelName: 'Conv2DBackpropInput',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddx, saved, attrs) => {
      const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as BackpropAttrs;
      if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC')
        throw new Error(`second-order Conv2DBackpropInput gradient: dataFormat ${a.dataFormat} (only NHWC)`);
      if (a.dimRoundingMode != null) throw new Error('second-order Conv2DBackpropInput gradient: dimRoundingMode is not supported');
      const d = ddx as tf.Tensor4D;
      return {
        dy: () => tf.conv2d(d, filter, a.strides as [number, number], a.pad, 'NHWC', 1),
        filter: () => filterGrad(d, dy, filter.shape, a),
      };
    },
  });
}

type ResizeAttrs = { alignCorners: boolean; halfPixelCenters: boolean };

function plainCorners(a: ResizeAttrs, kernel: string): ResizeAttrs {
  if (a.halfPixelCenters) throw new Error(`second-order ${kernel} gradient: halfPixelCenters is not supported (the backends' gradient kernels ignore it)`);
  return a;
}

/** Rᵀdy of a nearest-neighbour resize of `images` (halfPixelCenters off). */
function nearestAdjoint(images: tf.Tensor4D, dy: tf.Tensor4D, a: ResizeAttrs): tf.Tensor {
  const [n, h, w, c] = images.shape,
    [, oh, ow] = dy.shape;
  if (!a.alignCorners && oh % h === 0 && ow % w === 0) return tf.sum(tf.reshape(dy, [n, h, oh / h, w, ow / w, c]), [2, 4]);
  const kernel = (im: tf.Tensor, d: tf.Tensor) =>
    tf.engine().runKernel('ResizeNearestNeighborGrad', { images: im, dy: d }, a as unknown as tf.NamedAttrMap) as tf.Tensor;
  if (tf.getBackend() !== 'cpu' || n === 1) return kernel(images, dy);
  return tf.concat(Array.from({ length: n }, (_, i) => kernel(tf.slice(images, i, 1), tf.slice(dy, i, 1))));
}

function registerResizeGradients(): void {
  tf.registerGradient({
    kernelName: 'ResizeNearestNeighbor',
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved as [tf.Tensor4D];
      const a = plainCorners(attrs as unknown as ResizeAttrs, 'ResizeNearestNeighbor');
      return { images: () => nearestAdjoint(images, dy as tf.Tensor4D, a) };
    },
  });
  tf.registerGradient({
    kernelName: 'ResizeBilinear',
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved as [tf.Tensor4D];
      const a = plainCorners(attrs as unknown as ResizeAttrs, 'ResizeBilinear');
      return {
        images: () =>
          tf.reshape(tf.engine().runKernel('ResizeBilinearGrad', { images, dy: dy as tf.Tensor }, a as unknown as tf.NamedAttrMap) as tf.Tensor, images.shape),
      };
    },
  });
}

function registerResizeGradGradients(): void {
  tf.registerGradient({
    kernelName: 'ResizeNearestNeighborGrad',
    inputsToSave: ['images', 'dy'],
    gradFunc: (ddx, saved, attrs) => {
      const [images, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = plainCorners(attrs as unknown as ResizeAttrs, 'ResizeNearestNeighborGrad');
      const size: [number, number] = [dy.shape[1], dy.shape[2]];
      return { images: () => tf.zerosLike(images), dy: () => tf.image.resizeNearestNeighbor(ddx as tf.Tensor4D, size, a.alignCorners, false) };
    },
  });
  tf.registerGradient({
    kernelName: 'ResizeBilinearGrad',
    inputsToSave: ['images', 'dy'],
    gradFunc: (ddx, saved, attrs) => {
      const [images, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = plainCorners(attrs as unknown as ResizeAttrs, 'ResizeBilinearGrad');
      const size: [number, number] = [dy.shape[1], dy.shape[2]];
      // the upstream has the kernel's output shape, which cpu mislabels (see above): read it as the images'
      return {
        images: () => tf.zerosLike(images),
        dy: () => tf.image.resizeBilinear(tf.reshape(ddx as tf.Tensor, images.shape) as tf.Tensor4D, size, a.alignCorners, false),
      };
    },
  });
}

export function registerDecoderGradients(): void {
  registerTransposeGradient();
  registerResizeGradients();
  registerResizeGradGradients();
}
