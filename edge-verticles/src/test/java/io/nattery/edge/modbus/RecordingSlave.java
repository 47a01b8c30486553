package io.nattery.edge.modbus;

import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A j2mod TCP slave (j2mod's own listener, several handler threads) whose process image records how
 * many requests it is serving at once and in which order. Register N holds N & 0xFFFF; addresses from
 * 60000 up do not exist.
 */
final class RecordingSlave implements AutoCloseable {
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  final List<Integer> served = new CopyOnWriteArrayList<>();
  private final ModbusSlave slave;
  private final int port;

  RecordingSlave(long serviceMillis) throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    SimpleProcessImage image = new SimpleProcessImage(1) {
      @Override
      public Register[] getRegisterRange(int offset, int count) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
          if (offset + count > 60000) {
            throw new IllegalAddressException("no register at " + offset);
          }
          served.add(offset);
          Thread.sleep(serviceMillis); // widens the window in which a second request would overlap
          Register[] registers = new Register[count];
          for (int i = 0; i < count; i++) {
            registers[i] = new SimpleRegister((offset + i) & 0xFFFF);
          }
          return registers;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        } finally {
          inFlight.decrementAndGet();
        }
      }
    };
    slave = ModbusSlaveFactory.createTCPSlave(port, 8);
    slave.addProcessImage(1, image);
    slave.open();
    awaitListening();
  }

  int port() {
    return port;
  }

  private void awaitListening() throws Exception {
    long deadline = System.currentTimeMillis() + 5000;
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  @Override
  public void close() {
    ModbusSlaveFactory.close(slave);
  }
}
