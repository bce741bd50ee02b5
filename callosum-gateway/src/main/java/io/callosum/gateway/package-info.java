/**
 * Tunnelling gateways: {@link io.callosum.gateway.Gateway}, configured by {@link
 * io.callosum.gateway.GatewayConfig} (in code, or from a YAML file with {@link
 * io.callosum.gateway.GatewayConfigFile}).
 */
package io.callosum.gateway;
