package io.nattery.cloud.state;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

import java.util.Map;

/**
 * This node's copy of the PostgreSQL device registry (device id to site), kept by the device-state verticle and
 * read by ingestion for every message, so that no message waits on PostgreSQL. Backed by a Vert.x local map:
 * safe to read from any event loop of the node.
 */
public final class DeviceRegistry {

  private static final String MAP = "nattery.device-registry";
  /** A local map cannot hold null: a device without a site is stored with this. */
  private static final String NO_SITE = "";

  private final LocalMap<String, String> devices;

  private DeviceRegistry(LocalMap<String, String> devices) {
    this.devices = devices;
  }

  public static DeviceRegistry of(Vertx vertx) {
    return new DeviceRegistry(vertx.sharedData().getLocalMap(MAP));
  }

  public boolean contains(String deviceId) {
    return devices.containsKey(deviceId);
  }

  /** The device's site, empty when it has none or is not in the registry. */
  public String site(String deviceId) {
    String site = devices.get(deviceId);
    return site == null ? NO_SITE : site;
  }

  public void add(String deviceId, String site) {
    devices.put(deviceId, site == null ? NO_SITE : site);
  }

  /** Takes the registry as read: adds and updates first, then removes what is gone, so no device blinks out. */
  public void replaceAll(Map<String, String> sitesById) {
    sitesById.forEach(this::add);
    // the local map's key set is a copy: remove through the map
    for (String id : devices.keySet()) {
      if (!sitesById.containsKey(id)) {
        devices.remove(id);
      }
    }
  }

  public int size() {
    return devices.size();
  }
}
