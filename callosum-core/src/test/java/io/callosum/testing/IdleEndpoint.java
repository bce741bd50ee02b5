package io.callosum.testing;

import io.callosum.lower.Endpoint;
import java.net.URI;

/**
 * An endpoint that holds nothing, for test lowers whose links the test drives itself: its address
 * is the one it was opened at, and closing it does nothing. Any thread.
 */
public final class IdleEndpoint implements Endpoint {
  private final URI address;

  public IdleEndpoint(URI address) {
    this.address = address;
  }

  @Override
  public String address() {
    return address.toString();
  }

  @Override
  public void close() {}
}
