/**
 * For lower implementers: {@link io.callosum.lower.links.LinkFanoutTransport} gives a lower that
 * has only links broadcast and pipelines over them. Not needed to use Callosum.
 */
package io.callosum.lower.links;
