/**
 * Tunnelling gateways: {@link io.callosum.lower.tcp.gateway.Gateway}, configured by {@link
 * io.callosum.lower.tcp.gateway.GatewayConfig} (in code, or from a YAML file with {@link
 * io.callosum.lower.tcp.gateway.GatewayConfigFile}).
 */
package io.callosum.lower.tcp.gateway;
