package io.netrescue.store;

import io.netrescue.boot.Profile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Boot profiles: kernel, initrds and command line template. */
public final class ProfileStore {

    /** Adds or, with {@code replace}, replaces a profile. */
    public void put(Handle h, Profile p, boolean replace, Instant now) {
        boolean exists = get(h, p.name()).isPresent();
        if (exists && !replace) throw new ConflictException("profile " + p.name() + " already exists (use --replace to change it)");
        if (exists) {
            h.createUpdate("UPDATE profiles SET kernel = ?, cmdline = ?, updated_at = ? WHERE name = ?")
                    .bind(0, p.kernel()).bind(1, p.cmdline()).bind(2, SqlTime.of(now)).bind(3, p.name()).execute();
            h.createUpdate("DELETE FROM profile_initrds WHERE profile = ?").bind(0, p.name()).execute();
        } else {
            h.createUpdate("INSERT INTO profiles (name, kernel, cmdline, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                    .bind(0, p.name()).bind(1, p.kernel()).bind(2, p.cmdline()).bind(3, SqlTime.of(now)).bind(4, SqlTime.of(now)).execute();
        }
        for (int i = 0; i < p.initrds().size(); i++) {
            h.createUpdate("INSERT INTO profile_initrds (profile, pos, source) VALUES (?, ?, ?)")
                    .bind(0, p.name()).bind(1, i).bind(2, p.initrds().get(i)).execute();
        }
    }

    public Optional<Profile> get(Handle h, String name) {
        return h.createQuery("SELECT name, kernel, cmdline FROM profiles WHERE name = ?").bind(0, name)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}).findOne()
                .map(r -> new Profile(r[0], r[1], h.createQuery("SELECT source FROM profile_initrds WHERE profile = ? ORDER BY pos")
                        .bind(0, name).mapTo(String.class).list(), r[2]));
    }

    public List<Profile> list(Handle h) {
        Map<String, List<String>> initrds = new HashMap<>();
        h.createQuery("SELECT profile, source FROM profile_initrds ORDER BY profile, pos")
                .map((rs, ctx) -> initrds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2))).list();
        return h.createQuery("SELECT name, kernel, cmdline FROM profiles ORDER BY name")
                .map((rs, ctx) -> new Profile(rs.getString(1), rs.getString(2), initrds.getOrDefault(rs.getString(1), List.of()), rs.getString(3)))
                .list();
    }

    /** Refuses to remove a profile that a host's mode still names: that host would silently boot locally. */
    public void remove(Handle h, String name) {
        List<String> users = h.createQuery("SELECT name FROM hosts WHERE boot_profile = ? OR prev_profile = ? ORDER BY name")
                .bind(0, name).bind(1, name).mapTo(String.class).list();
        if (!users.isEmpty()) {
            throw new ConflictException("profile " + name + " is in use by host(s) " + String.join(", ", users));
        }
        if (h.createUpdate("DELETE FROM profiles WHERE name = ?").bind(0, name).execute() == 0) {
            throw new NotFoundException("no profile named " + name);
        }
    }
}
