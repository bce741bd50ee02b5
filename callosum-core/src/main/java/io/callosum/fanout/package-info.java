/**
 * Broadcast and shared pipelines: one-to-many items without request or reply, with a queue policy
 * of their own ({@link io.callosum.fanout.Broadcaster} and {@link
 * io.callosum.fanout.BroadcastReceiver}, {@link io.callosum.fanout.PipelineSender} and {@link
 * io.callosum.fanout.PipelineReceiver}).
 */
package io.callosum.fanout;
