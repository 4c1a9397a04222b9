/**
 * The queue secret that the tests' coordinators and workers share (job-signature.ts). Library
 * calls pass it as `secret`; `losslens` processes the tests spawn read it from LOSSLENS_QUEUE_SECRET,
 * which {@link shareQueueSecret} sets for the children of this test process.
 */
export const TEST_SECRET = 'losslens-test-queue-secret-6f1c2a9e5b';

/** Give every child process of this test file the queue secret; returns it. */
export function shareQueueSecret(): string {
  process.env.LOSSLENS_QUEUE_SECRET = TEST_SECRET;
  return TEST_SECRET;
}
