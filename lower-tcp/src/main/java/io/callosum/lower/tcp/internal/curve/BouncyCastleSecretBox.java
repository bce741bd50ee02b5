package io.callosum.lower.tcp.internal.curve;

import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * {@link SecretBox} from bouncycastle's XSalsa20 and Poly1305: pure Java, always there, about 180
 * MB/s on one core of the machine in docs/PERFORMANCE.md. The box of a process where libsodium does
 * not load.
 */
final class BouncyCastleSecretBox implements SecretBox {
  static final BouncyCastleSecretBox INSTANCE = new BouncyCastleSecretBox();

  private BouncyCastleSecretBox() {}

  @Override
  public void seal(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
    byte[] macKey = new byte[NaclBox.KEY_LENGTH];
    XSalsa20Engine cipher = cipher(key, nonce, macKey);
    cipher.processBytes(in, inOff, length, out, outOff + NaclBox.TAG_LENGTH);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(macKey));
    Arrays.fill(macKey, (byte) 0);
    mac.update(out, outOff + NaclBox.TAG_LENGTH, length);
    mac.doFinal(out, outOff);
  }

  @Override
  public boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] head, Reader reader) {
    if (length - NaclBox.TAG_LENGTH < head.length) {
      return false;
    }
    byte[] macKey = new byte[NaclBox.KEY_LENGTH];
    XSalsa20Engine cipher = cipher(key, nonce, macKey);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(macKey));
    Arrays.fill(macKey, (byte) 0);
    int textLength = length - NaclBox.TAG_LENGTH;
    mac.update(in, inOff + NaclBox.TAG_LENGTH, textLength);
    byte[] tag = new byte[NaclBox.TAG_LENGTH];
    mac.doFinal(tag, 0);
    if (!org.bouncycastle.util.Arrays.constantTimeAreEqual(NaclBox.TAG_LENGTH, tag, 0, in, inOff)) {
      return false;
    }
    int text = inOff + NaclBox.TAG_LENGTH;
    cipher.processBytes(in, text, head.length, head, 0);
    int end = text + textLength;
    int[] at = {text + head.length};
    // XSalsa20 is a stream cipher: the rest is decrypted piece by piece where the reader puts it.
    reader.read(
        head,
        end - at[0],
        (into, off, n) -> {
          Objects.checkFromIndexSize(at[0] - text, n, textLength);
          cipher.processBytes(in, at[0], n, into, off);
          at[0] += n;
        });
    return true;
  }

  @Override
  public String name() {
    return "bouncycastle";
  }

  /**
   * XSalsa20 under {@code key} and {@code nonce}, with its first 32 key stream bytes taken into
   * {@code macKey}.
   */
  private static XSalsa20Engine cipher(byte[] key, byte[] nonce, byte[] macKey) {
    XSalsa20Engine cipher = new XSalsa20Engine();
    cipher.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    cipher.processBytes(macKey, 0, NaclBox.KEY_LENGTH, macKey, 0);
    return cipher;
  }
}
