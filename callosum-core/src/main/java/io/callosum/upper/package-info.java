/** The upper SPI: codecs that turn values into call bodies, and the default msgpack codec. */
package io.callosum.upper;
