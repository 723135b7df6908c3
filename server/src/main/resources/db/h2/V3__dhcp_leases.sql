-- Full DHCP mode's leases (dhcp.mode = "full"). One row per address; a MAC has at most one row
-- that is not 'declined'. Offers are never stored: only what was acknowledged (bound), released
-- or declined, written durably before the ACK goes out, so a restart hands out the same addresses.
CREATE TABLE dhcp_leases (
    ip         VARCHAR(15)  PRIMARY KEY,
    mac        VARCHAR(17)  NOT NULL,
    state      VARCHAR(8)   NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX dhcp_leases_mac ON dhcp_leases (mac);
