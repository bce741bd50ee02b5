package io.callosum.internal;

import io.callosum.OrderKey;

/**
 * How a callee finds a call it serves when a CANCEL arrives: as Python Callosum, by (meth, okey,
 * seq).
 */
record ServeKey(long seq, String method, OrderKey orderKey) {}
