-- netrescue kernel try --kexec: the trial kernel is started by the host's agent (kexec), not by a network boot.
ALTER TABLE kernel_trials ADD COLUMN kexec BOOLEAN DEFAULT FALSE NOT NULL;
