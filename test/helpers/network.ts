// This machine's network, as the tests of --metrics-host see it.
import { networkInterfaces } from 'node:os';

/** An IPv4 address of this machine that is not loopback: where a Prometheus or a kubelet outside would connect. */
export function outsideAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
  if (address === undefined) throw new Error('this machine has no non-loopback IPv4 address to test --metrics-host with');
  return address;
}
