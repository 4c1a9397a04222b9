/**
 * The browser bundle's tfjs (scripts/build-browser.mjs swaps src/tf.cts for this module): the ESM package, left
 * external, so that the callback uses the page's one tfjs instance — its backend, its gradient registry, its
 * tf.Callback — as the user's model does.
 */
import * as tf from '@tensorflow/tfjs';

export default tf;
