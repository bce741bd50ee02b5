/**
 * Keys and authenticators for encrypted Callosum connections: {@link
 * io.callosum.auth.CurveKeyPair}, {@link io.callosum.auth.CurvePublicKey}, {@link
 * io.callosum.auth.CurveCertificate}, and the {@link io.callosum.auth.ServerAuthenticator} / {@link
 * io.callosum.auth.ClientAuthenticator} roles with two ready-made server authenticators. Start at
 * {@link io.callosum.auth.CurveKeyPair}.
 */
package io.callosum.auth;
