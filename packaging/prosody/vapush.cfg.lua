-- SPDX-License-Identifier: Apache-2.0
-- vapush: Prosody (0.12+, with prosody-modules) settings that register the
-- vapush push component.
--
-- Replace the @PLACEHOLDERS@ (see README.md) and drop this file into
-- /etc/prosody/conf.d/ (Debian's prosody.cfg.lua ends with
-- Include "conf.d/*.cfg.lua"), or Include it at the END of prosody.cfg.lua.
-- An included file starts in the global section.

-- XEP-0357 (mod_cloud_notify): put the sender and the message text into the
-- push summary sent to vapush (vapush can still hide previews on the device).
push_notification_with_body = true
push_notification_with_sender = true

-- XEP-0198 (mod_smacks): how long a disconnected mobile client stays
-- hibernated. mod_cloud_notify extends it for push-enabled sessions.
smacks_hibernation_time = 300

VirtualHost "@DOMAIN@"
    -- Adds to the global modules_enabled. If this VirtualHost already has its
    -- own modules_enabled list in prosody.cfg.lua, add these names there instead
    -- (a second list here would replace it).
    modules_enabled = {
        "privilege";    -- XEP-0356 (prosody-modules)
        "cloud_notify"; -- XEP-0357 (prosody-modules)
        "smacks";       -- XEP-0198 (core module in 0.12)
        "firewall";     -- mod_firewall (prosody-modules): runs vapush-forward.pfw
    }
    -- XEP-0356 grant: vapush sees presence (which devices are away). That is
    -- all it uses: no roster access and no messages on anyone's behalf, so a
    -- leaked component secret cannot rewrite rosters or speak as users.
    -- Do NOT also put the component into users' rosters: every presence
    -- would then arrive twice.
    privileged_entities = {
        ["@COMPONENT_JID@"] = {
            presence = "managed_entity";
        };
    }
    -- Forward copies of users' chat messages, read markers and receipts to
    -- vapush. Part of the standard setup: mod_cloud_notify publishes only the
    -- first message of a hibernated session, so without the copies vapush
    -- misses messages 2..N and badges undercount.
    firewall_scripts = { "@FORWARD_PFW@" }
    -- Clients that look for a push service (Siskin IM) find it in the host's
    -- disco#items. Prosody lists a component whose JID is a subdomain of the
    -- host (push.example.com for example.com) by itself; for any other JID add:
    -- disco_items = { { "@COMPONENT_JID@", "vapush" } }

Component "@COMPONENT_JID@"
    component_secret = "@SECRET@"
    -- mod_privilege must be loaded on the component too, otherwise it never
    -- sees the component authenticate and grants nothing.
    modules_enabled = { "privilege" }
