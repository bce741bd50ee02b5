package io.callosum.examples;

import io.callosum.lower.tcp.TcpOptions;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --gateway ADDRESS}: the local gateway that carries a command's {@code
 * tunnel://CLUSTER/NAME} address (see {@link Lowers}). A mixin of {@code serve}, {@code call},
 * {@code send} and {@code receive}.
 */
final class GatewayOption {
  @Option(
      names = "--gateway",
      paramLabel = "ADDRESS",
      converter = GatewayOption.Address.class,
      description =
          "The local gateway (tcp://HOST:PORT, the 'listen' address of its configuration) that"
              + " carries a tunnel://CLUSTER/NAME address: connecting reaches the peer NAME"
              + " registered in cluster CLUSTER, binding registers NAME at the gateway of CLUSTER."
              + " Needed with tunnel:// addresses, refused with others.")
  URI gateway;

  /** A gateway address as the TCP lower takes it. */
  static final class Address implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      try {
        URI uri = new URI(value);
        TcpOptions.builder().gateway(uri);
        return uri;
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new TypeConversionException("a gateway is reached at tcp://HOST:PORT, not " + value);
      }
    }
  }
}
