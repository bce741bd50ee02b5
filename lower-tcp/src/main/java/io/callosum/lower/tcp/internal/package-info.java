/**
 * Implementation of the TCP lower: the I/O loop, connections, channels, the wire format and
 * connection security. Not exported.
 */
package io.callosum.lower.tcp.internal;
