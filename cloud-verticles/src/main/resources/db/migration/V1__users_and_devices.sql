-- Users of the REST API and the dashboard. Passwords are Argon2id PHC strings, never plain.
CREATE TABLE users (
  username      text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'operator', 'trader', 'viewer')),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- The device registry; the latest state lives elsewhere (it changes every second).
CREATE TABLE devices (
  device_id          text PRIMARY KEY CHECK (device_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  site               text,
  model              text,
  rated_power_kw     double precision CHECK (rated_power_kw > 0),
  capacity_kwh       double precision CHECK (capacity_kwh > 0),
  mqtt_password_hash text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_seen          timestamptz
);
