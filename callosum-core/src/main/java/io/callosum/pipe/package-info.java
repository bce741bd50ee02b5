/**
 * Named pipes between programs over call streams: a peer hosts them ({@link
 * io.callosum.pipe.Pipes#host}), writers and readers open their ends by {@link
 * io.callosum.pipe.PipeDescriptor}.
 */
package io.callosum.pipe;
