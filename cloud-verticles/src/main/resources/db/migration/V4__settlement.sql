-- Settlement per device and MTU: the energy the inverter's cumulative counters moved in the MTU, valued at the
-- day-ahead price of the device's zone. Not tied to the device registry by a foreign key: these rows are the
-- financial record and outlive a device's removal.
CREATE TABLE settlements (
  device_id                     text NOT NULL CHECK (device_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  mtu_start                     timestamptz NOT NULL,
  mtu_end                       timestamptz NOT NULL,
  zone                          text NOT NULL,
  price_eur_mwh                 double precision NOT NULL,
  -- settled: both boundaries read and every counter only rose; counter_reset: a counter went backwards
  -- (an inverter reset); gap: a boundary had no reading close enough. Only settled rows carry energy and money.
  status                        text NOT NULL CHECK (status IN ('settled', 'counter_reset', 'gap')),
  charged_wh                    bigint,
  discharged_wh                 bigint,
  import_wh                     bigint,
  export_wh                     bigint,
  battery_value_eur             numeric(18, 6),  -- price * (discharged - charged)
  grid_cost_eur                 numeric(18, 6),  -- price * (import - export): the site with its battery
  grid_cost_without_battery_eur numeric(18, 6),  -- price * (import - export + discharged - charged)
  settled_at                    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, mtu_start),
  CHECK (mtu_end > mtu_start),
  CHECK ((status = 'settled') = (charged_wh IS NOT NULL AND discharged_wh IS NOT NULL AND import_wh IS NOT NULL
    AND export_wh IS NOT NULL AND battery_value_eur IS NOT NULL AND grid_cost_eur IS NOT NULL
    AND grid_cost_without_battery_eur IS NOT NULL))
);
-- the fleet's view of a period
CREATE INDEX settlements_mtu_start ON settlements (mtu_start);
