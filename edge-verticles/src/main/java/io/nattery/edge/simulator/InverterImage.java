package io.nattery.edge.simulator;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.FIFO;
import com.ghgande.j2mod.modbus.procimg.File;
import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import io.nattery.edge.registers.Register;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterWriteException;

/**
 * The simulated inverter's holding registers as j2mod sees them. Every address the map declares is
 * served; any other is answered with exception 2 (illegal data address), as a strict device would.
 * Reads copy their range under one lock, so a block read never mixes two physics ticks; a multi-register
 * write is applied at once when its last word arrives, so the tick never sees half of a 32-bit setpoint.
 * Writes are checked against the map (writable registers only, whole registers, within limits).
 */
final class InverterImage implements ProcessImage {
  private final RegisterMap map;
  private final int base;
  private final int[] words;
  private final boolean[] declared;
  private final Object lock = new Object();

  InverterImage(RegisterMap map) {
    this.map = map;
    int first = map.registers().get(0).address();
    int end = map.registers().get(map.registers().size() - 1).end();
    this.base = first;
    this.words = new int[end - first];
    this.declared = new boolean[end - first];
    for (Register register : map.registers()) {
      for (int a = register.address(); a < register.end(); a++) {
        declared[a - base] = true;
      }
    }
  }

  /** Device side: writes the words of one register (no access check: the device owns its registers). */
  void put(Register register, int[] values) {
    synchronized (lock) {
      System.arraycopy(values, 0, words, register.address() - base, values.length);
    }
  }

  /** Device side: runs several puts as one step, invisible to readers until complete. */
  void atomically(Runnable updates) {
    synchronized (lock) {
      updates.run();
    }
  }

  /** Device side: a copy of a register's words. */
  int[] get(Register register) {
    synchronized (lock) {
      int[] copy = new int[register.length()];
      System.arraycopy(words, register.address() - base, copy, 0, copy.length);
      return copy;
    }
  }

  @Override
  public com.ghgande.j2mod.modbus.procimg.Register[] getRegisterRange(int offset, int count) {
    synchronized (lock) {
      checkDeclared(offset, count);
      PendingWrite pending = new PendingWrite(offset, count);
      com.ghgande.j2mod.modbus.procimg.Register[] range = new com.ghgande.j2mod.modbus.procimg.Register[count];
      for (int i = 0; i < count; i++) {
        range[i] = new ImageRegister(words[offset - base + i], pending, i);
      }
      return range;
    }
  }

  @Override
  public com.ghgande.j2mod.modbus.procimg.Register getRegister(int ref) {
    return getRegisterRange(ref, 1)[0];
  }

  @Override
  public int getRegisterCount() {
    return words.length;
  }

  /** Function 4 sees the same registers, read-only: some masters read measurements that way. */
  @Override
  public InputRegister[] getInputRegisterRange(int offset, int count) {
    return getRegisterRange(offset, count);
  }

  @Override
  public InputRegister getInputRegister(int ref) {
    return getRegister(ref);
  }

  @Override
  public int getInputRegisterCount() {
    return words.length;
  }

  private void checkDeclared(int offset, int count) {
    if (count < 1 || offset < base || offset + count > base + words.length) {
      throw new IllegalAddressException("registers " + offset + ".." + (offset + count - 1) + " are not served");
    }
    for (int i = 0; i < count; i++) {
      if (!declared[offset - base + i]) {
        throw new IllegalAddressException("register " + (offset + i) + " is not in the map");
      }
    }
  }

  private void apply(int offset, int[] values) {
    try {
      map.checkRawWrite(offset, values);
    } catch (RegisterWriteException e) {
      // j2mod turns IllegalAddressException into exception response 2; it has no way to send 3 from here
      throw new IllegalAddressException(e.getMessage());
    }
    synchronized (lock) {
      System.arraycopy(values, 0, words, offset - base, values.length);
    }
  }

  /** Collects the words of one write request until the last one arrives. */
  private final class PendingWrite {
    private final int offset;
    private final int[] values;
    private int set;

    PendingWrite(int offset, int count) {
      this.offset = offset;
      this.values = new int[count];
    }

    void set(int index, int value) {
      values[index] = value & 0xFFFF;
      if (++set == values.length) {
        apply(offset, values);
      }
    }
  }

  /** One word of a read snapshot, or one word of a pending write. */
  private static final class ImageRegister implements com.ghgande.j2mod.modbus.procimg.Register {
    private final int value;
    private final PendingWrite pending;
    private final int index;

    ImageRegister(int value, PendingWrite pending, int index) {
      this.value = value;
      this.pending = pending;
      this.index = index;
    }

    @Override
    public int getValue() {
      return value;
    }

    @Override
    public int toUnsignedShort() {
      return value;
    }

    @Override
    public short toShort() {
      return (short) value;
    }

    @Override
    public byte[] toBytes() {
      return new byte[] {(byte) (value >> 8), (byte) value};
    }

    @Override
    public void setValue(int v) {
      pending.set(index, v);
    }

    @Override
    public void setValue(short s) {
      pending.set(index, s);
    }

    @Override
    public void setValue(byte[] bytes) {
      pending.set(index, ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
    }
  }

  // coils, discrete inputs, files and FIFOs: a hybrid inverter of this map has none

  @Override
  public DigitalOut[] getDigitalOutRange(int offset, int count) {
    throw new IllegalAddressException("no coils");
  }

  @Override
  public DigitalOut getDigitalOut(int ref) {
    throw new IllegalAddressException("no coils");
  }

  @Override
  public int getDigitalOutCount() {
    return 0;
  }

  @Override
  public DigitalIn[] getDigitalInRange(int offset, int count) {
    throw new IllegalAddressException("no discrete inputs");
  }

  @Override
  public DigitalIn getDigitalIn(int ref) {
    throw new IllegalAddressException("no discrete inputs");
  }

  @Override
  public int getDigitalInCount() {
    return 0;
  }

  @Override
  public File getFile(int ref) {
    throw new IllegalAddressException("no files");
  }

  @Override
  public File getFileByNumber(int ref) {
    throw new IllegalAddressException("no files");
  }

  @Override
  public int getFileCount() {
    return 0;
  }

  @Override
  public FIFO getFIFO(int ref) {
    throw new IllegalAddressException("no FIFOs");
  }

  @Override
  public FIFO getFIFOByAddress(int ref) {
    throw new IllegalAddressException("no FIFOs");
  }

  @Override
  public int getFIFOCount() {
    return 0;
  }
}
