/**
 * The lower SPI: transports that move envelopes between peers, and optionally broadcast and
 * pipeline items. Implementations live elsewhere: the in-process lower in {@code
 * io.callosum.inproc}, the network lowers in their modules; {@code io.callosum.lower.links} helps a
 * lower with links only to offer broadcast and pipelines.
 */
package io.callosum.lower;
