/** Implementation of the peer protocol. Not exported; nothing here is API. */
package io.callosum.internal;
