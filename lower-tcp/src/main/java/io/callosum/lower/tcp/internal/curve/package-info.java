/**
 * CurveZMQ (RFC 26) for the TCP lower: {@link io.callosum.lower.tcp.internal.curve.CurveSecurity}
 * is a connection's security layer, running the client's or the server's half of the handshake and
 * then sealing and opening frames as MESSAGE commands of its session; {@link
 * io.callosum.lower.tcp.internal.curve.ErrorCommand} carries a server's refusal to the client; the
 * crypto is NaCl's {@code crypto_box}: the box key from bouncycastle, sealing and opening by
 * libsodium (through JNA) or, where it does not load, by bouncycastle. See {@code
 * lower-tcp/CURVE.md}.
 */
package io.callosum.lower.tcp.internal.curve;
