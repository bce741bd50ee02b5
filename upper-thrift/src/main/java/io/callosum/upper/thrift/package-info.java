/**
 * The Thrift upper: {@link io.callosum.upper.thrift.ThriftClients} (or a plain generated client
 * over a {@link io.callosum.upper.thrift.CallosumTransport}) calls, {@link
 * io.callosum.upper.thrift.ThriftService} serves, {@link io.callosum.upper.thrift.CallOptions}
 * carries order keys and timeouts.
 */
package io.callosum.upper.thrift;
