package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A local endpoint's role is its type: a bound peer cannot be asked to do what it cannot do — the
 * compiler says so, not an exception. These checks read the public API by reflection, so that a
 * method added to the wrong role (or a test hook made public) fails here.
 */
class PeerRolesTest {
  private static Set<String> publicMethods(Class<?> type) {
    return Arrays.stream(type.getMethods()).map(Method::getName).collect(Collectors.toSet());
  }

  @Test
  void aBoundPeerHasNoMethodToCallARemoteOfItsOwn() {
    assertFalse(
        Invoker.class.isAssignableFrom(Peer.class), "Peer is the common type, not an Invoker");
    assertFalse(
        Invoker.class.isAssignableFrom(BoundPeer.class), "a bound peer has no one remote to call");
    Set<String> bound = publicMethods(BoundPeer.class);
    for (String m : List.of("call", "invoke", "invokeAndWait", "remote")) {
      assertFalse(bound.contains(m), "BoundPeer." + m);
    }
    assertTrue(Invoker.class.isAssignableFrom(ConnectedPeer.class));
    assertTrue(
        publicMethods(ConnectedPeer.class)
            .containsAll(List.of("call", "invoke", "invokeAndWait", "remote")));
  }

  @Test
  void theTwoRolesAreTheOnlyKindsOfPeer() {
    assertTrue(Peer.class.isSealed());
    assertEquals(
        Set.of(BoundPeer.class, ConnectedPeer.class), Set.of(Peer.class.getPermittedSubclasses()));
    assertTrue(
        Modifier.isFinal(BoundPeer.class.getModifiers())
            && Modifier.isFinal(ConnectedPeer.class.getModifiers()));
    for (Class<?> c :
        List.of(
            Peer.class,
            BoundPeer.class,
            ConnectedPeer.class,
            Peer.Options.class,
            Peer.Builder.class,
            BoundPeer.Builder.class,
            ConnectedPeer.Builder.class,
            BalancedPeer.class,
            BalancedPeer.Builder.class)) {
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        assertFalse(
            Modifier.isPublic(k.getModifiers()) || Modifier.isProtected(k.getModifiers()),
            k.toString());
      }
    }
  }

  @Test
  void eachRoleChainsAsItself() throws Exception {
    for (Class<?> role : List.of(BoundPeer.class, ConnectedPeer.class)) {
      assertEquals(role, role.getMethod("start").getReturnType());
      assertEquals(role, role.getMethod("handle", String.class, Handler.class).getReturnType());
      assertEquals(
          role,
          role.getMethod("handle", String.class, Class.class, Handler.Typed.class).getReturnType());
      assertEquals(
          role, role.getMethod("handleStream", String.class, StreamHandler.class).getReturnType());
      assertEquals(role, role.getMethod("unhandle", String.class).getReturnType());
    }
    assertEquals(BoundPeer.class, BoundPeer.Builder.class.getMethod("build").getReturnType());
    assertEquals(
        ConnectedPeer.class, ConnectedPeer.Builder.class.getMethod("build").getReturnType());
    for (Class<?> builder :
        List.of(
            Peer.Builder.class,
            BoundPeer.Builder.class,
            ConnectedPeer.Builder.class,
            BalancedPeer.Builder.class)) {
      ParameterizedType options = (ParameterizedType) builder.getGenericSuperclass();
      assertEquals(Peer.Options.class, options.getRawType());
      assertEquals(
          builder,
          options.getActualTypeArguments()[0],
          "the common options return the builder itself");
    }
  }

  @Test
  void onlyAConnectingPeerTakesAConnectTimeoutAndOnlyARoleBuilds() {
    assertTrue(publicMethods(ConnectedPeer.Builder.class).contains("connectTimeout"));
    assertFalse(publicMethods(BoundPeer.Builder.class).contains("connectTimeout"));
    assertFalse(publicMethods(Peer.Builder.class).contains("connectTimeout"));
    assertFalse(
        publicMethods(Peer.Builder.class).contains("build"),
        "a peer without a role cannot be built");
  }

  @Test
  void testHooksAreNotPublicApi() {
    for (Class<?> c : List.of(Peer.class, BoundPeer.class, ConnectedPeer.class)) {
      assertFalse(publicMethods(c).contains("internalEntries"), c.getSimpleName());
    }
    for (String hook : List.of("states", "entries", "balancer")) {
      assertFalse(publicMethods(BalancedPeer.class).contains(hook), "BalancedPeer." + hook);
    }
    assertFalse(Peer.class.isAssignableFrom(BalancedPeer.class), "a composition, not a peer");
    assertTrue(Invoker.class.isAssignableFrom(BalancedPeer.class));
    assertTrue(Body.class.isInterface(), "the core makes bodies; no public constructor");
  }

  @Test
  void optionsSetBeforeTheRoleCarryOverAndEachRoleKeepsItsOwnCopy() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    Peer.Builder common = Peer.builder().name("roles").interceptor(observer("common", seen));
    BoundPeer.Builder serverOptions =
        common.bind("inproc://roles-options").interceptor(observer("server", seen));
    ConnectedPeer.Builder clientOptions = common.connect("inproc://roles-options");
    common.interceptor(observer("later", seen));
    try (BoundPeer server =
            serverOptions.build().handle("echo", (ctx, body) -> body.value()).start();
        ConnectedPeer client = clientOptions.build().start()) {
      assertTrue(
          server.toString().contains("roles") && client.toString().contains("roles"),
          server + " / " + client);
      assertEquals("hi", client.invokeAndWait("echo", "hi"));
    }
    // The caller's interceptors see the call start before it is sent, the callee's once it arrives.
    assertEquals(List.of("common CALLER", "common CALLEE", "server CALLEE"), seen.subList(0, 3));
    assertEquals(3, seen.size(), "an option set on one builder reached another: " + seen);
  }

  private static CallInterceptor observer(String name, List<String> seen) {
    return new CallInterceptor() {
      @Override
      public void started(CallInfo call) {
        seen.add(name + " " + call.side());
      }
    };
  }
}
