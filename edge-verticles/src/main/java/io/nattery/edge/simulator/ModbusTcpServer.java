package io.nattery.edge.simulator;

import com.ghgande.j2mod.modbus.net.AbstractModbusListener;
import com.ghgande.j2mod.modbus.net.TCPConnectionHandler;
import com.ghgande.j2mod.modbus.net.TCPSlaveConnection;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Modbus TCP slave on j2mod's framing and request handling, with our own accept loop. j2mod's
 * ModbusSlaveFactory keeps one global slave per port number, so port 0 (tests, thousands of simulators)
 * would collide and the bound port could not be read back; here the socket is bound before start()
 * returns and the process image is this server's own. Threads: one accept thread per server and one per
 * open connection (j2mod's blocking handler), from a pool shared by every server in the JVM.
 */
final class ModbusTcpServer extends AbstractModbusListener {
  private static final Logger LOG = LoggerFactory.getLogger(ModbusTcpServer.class);
  private static final AtomicInteger CONNECTION_THREADS = new AtomicInteger();
  private static final ExecutorService CONNECTIONS = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "nattery-sim-modbus-" + CONNECTION_THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  private final String deviceId;
  private final ProcessImage image;
  private final int unitId;
  private final int idleTimeoutMs;
  private final ServerSocket serverSocket;
  private final Set<TCPSlaveConnection> open = ConcurrentHashMap.newKeySet();
  private Thread acceptThread;

  ModbusTcpServer(String deviceId, String host, int port, int unitId, int idleTimeoutMs, ProcessImage image) throws IOException {
    this.deviceId = deviceId;
    this.image = image;
    this.unitId = unitId;
    this.idleTimeoutMs = idleTimeoutMs;
    this.serverSocket = new ServerSocket();
    serverSocket.setReuseAddress(true);
    serverSocket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 100);
    setAddress(serverSocket.getInetAddress());
    setPort(serverSocket.getLocalPort());
  }

  void start() {
    setListening(true);
    acceptThread = new Thread(this, "nattery-sim-accept-" + deviceId);
    acceptThread.setDaemon(true);
    acceptThread.start();
  }

  @Override
  public void run() {
    while (isListening()) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        if (isListening()) {
          LOG.warn("[device: {}] simulator accept failed: {}", deviceId, e.getMessage());
          // a lasting failure (no file descriptors left) must not become a busy loop
          try {
            Thread.sleep(200);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        continue;
      }
      TCPSlaveConnection connection = new TCPSlaveConnection(socket);
      // an idle master is dropped after this long (0 = never); the edge's worker reconnects on its next request
      connection.setTimeout(idleTimeoutMs);
      open.add(connection);
      CONNECTIONS.execute(() -> {
        try {
          new TCPConnectionHandler(this, connection, 0).run();
        } finally {
          open.remove(connection);
          connection.close();
        }
      });
    }
  }

  @Override
  public void stop() {
    setListening(false);
    try {
      serverSocket.close();
    } catch (IOException e) {
      LOG.debug("[device: {}] closing the simulator socket: {}", deviceId, e.getMessage());
    }
    for (TCPSlaveConnection connection : open) {
      connection.close(); // unblocks the handler thread reading from it
    }
    if (acceptThread != null) {
      try {
        acceptThread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Only this server's unit; any other unit id is answered with exception 2. */
  @Override
  public ProcessImage getProcessImage(int requestedUnitId) {
    return requestedUnitId == unitId ? image : null;
  }

  int openConnections() {
    return open.size();
  }
}
