/**
 * The TCP lower ({@code tcp://host:port}): start at {@link io.callosum.lower.tcp.TcpTransport},
 * configure with {@link io.callosum.lower.tcp.TcpOptions}.
 */
package io.callosum.lower.tcp;
