/** The lower SPI: transports that move envelopes between peers, and the in-process lower. */
package io.callosum.lower;
