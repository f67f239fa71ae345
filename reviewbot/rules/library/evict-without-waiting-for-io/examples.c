/* Synthetic examples for evict-without-waiting-for-io, written for reviewbot in the
 * style of several filesystems. Not kernel code. */

static void p9x_wait_io(struct inode *inode)
{
	struct p9x_inode *v = P9X_I(inode);

	wait_var_event(&v->io_count, atomic_read(&v->io_count) == 0);
}

/* 9p style: netfs requests (its writeback is netfs's), no wait at all before the
 * inode is cleared. */
static void p9x_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	netfs_clear_inode_writeback(inode, NULL);
	/* ruleid: evict-without-waiting-for-io */
	clear_inode(inode);
}

/* afs style: waits, but only on one branch. */
static void afsx_evict_inode(struct inode *inode)
{
	struct afsx_vnode *vnode = AFSX_VNODE(inode);

	if (test_bit(AFSX_VNODE_DELETED, &vnode->flags))
		netfs_wait_for_outstanding_io(inode);
	truncate_inode_pages_final(&inode->i_data);
	/* ruleid: evict-without-waiting-for-io */
	clear_inode(inode);
}

/* cifs style: the wait comes after the teardown. */
static void smbx_evict_inode(struct inode *inode)
{
	smbx_release_cookie(inode);
	/* ruleid: evict-without-waiting-for-io */
	clear_inode(inode);
	netfs_wait_for_outstanding_io(inode);
}

/* 9p style near miss: the wait is in a helper. */
static void p9y_evict_inode(struct inode *inode)
{
	p9x_wait_io(inode);
	truncate_inode_pages_final(&inode->i_data);
	/* ok: evict-without-waiting-for-io */
	clear_inode(inode);
}

/* ceph style near miss: waits on both branches. */
static void cephx_evict_inode(struct inode *inode)
{
	if (!is_bad_inode(inode)) {
		netfs_wait_for_outstanding_io(inode);
		truncate_inode_pages_final(&inode->i_data);
		/* ok: evict-without-waiting-for-io */
		clear_inode(inode);
	} else {
		netfs_wait_for_outstanding_io(inode);
		/* ok: evict-without-waiting-for-io */
		clear_inode(inode);
	}
}

/* afs style near miss: the wait comes after the page cache is dropped, still before
 * the inode is cleared (the scenario's wait_at=before_clear_inode). */
static void afsy_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	netfs_wait_for_outstanding_io(inode);
	/* ok: evict-without-waiting-for-io */
	clear_inode(inode);
}

/* minix style near miss: a block filesystem with no netfs-style requests (nothing
 * holds the inode past its I/O): the rule has nothing to judge and stays quiet. */
static void minixx_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	if (!inode->i_nlink)
		minixx_truncate(inode);
	invalidate_inode_buffers(inode);
	/* ok: evict-without-waiting-for-io */
	clear_inode(inode);
}

/* ext4 style near miss: direct I/O drained first (and no netfs-style requests). */
static void ext4x_evict_inode(struct inode *inode)
{
	inode_dio_wait(inode);
	/* ok: evict-without-waiting-for-io */
	truncate_inode_pages_final(&inode->i_data);
	ext4x_free_blocks(inode);
	clear_inode(inode);
}

/* ->kill_sb, the umount's other half (role kill-sb, fact sb_wait): once the VFS
 * shutdown has evicted the inodes, the client or session goes; a completion may still
 * hold one of its fids. Judged only where something shows asynchronous requests (a
 * netfs/fscache call or type, or a wait for a count of outstanding requests to
 * drain); a wait alone (a flushed workqueue) is no such sign. */

static void p9x_wait_requests(struct p9x_session *ses)
{
	wait_event(ses->req_wq, atomic_read(&ses->nr_reqs) == 0);
}

/* 9p style: the client goes while a completion may still put one of its fids, but
 * nothing in view shows such requests (no netfs call, no wait): the rule is quiet
 * rather than assume them. */
static void p9x_kill_super(struct super_block *sb)
{
	struct p9x_session *ses = sb->s_fs_info;

	kill_anon_super(sb);
	/* ok: evict-without-waiting-for-io */
	p9x_session_close(ses);
	kfree(ses);
}

/* 9p style near miss: a helper waits for the session's requests first. */
static void p9y_kill_super(struct super_block *sb)
{
	struct p9x_session *ses = sb->s_fs_info;

	kill_anon_super(sb);
	p9x_wait_requests(ses);
	/* ok: evict-without-waiting-for-io */
	p9x_session_close(ses);
	kfree(ses);
}

/* afs style: waits only while a volume is attached. */
static void afsx_kill_super(struct super_block *sb)
{
	struct afsx_super_info *as = AFSX_FS_S(sb);

	kill_anon_super(sb);
	if (as->volume)
		wait_var_event(&as->volume->n_calls, !atomic_read(&as->volume->n_calls));
	/* ruleid: evict-without-waiting-for-io */
	afsx_destroy_sbi(as);
}

/* cifs style: drops its root, shuts down, unmounts the session at once; nothing in
 * view shows asynchronous requests, so the rule is quiet. */
static void smbx_kill_sb(struct super_block *sb)
{
	struct smbx_sb_info *sbi = SMBX_SB(sb);

	if (sbi->root) {
		dput(sbi->root);
		sbi->root = NULL;
	}
	kill_anon_super(sb);
	/* ok: evict-without-waiting-for-io */
	smbx_umount(sbi);
}

/* cifs style: its requests are counted and drained, but after the session is gone. */
static void smby_kill_sb(struct super_block *sb)
{
	struct smbx_sb_info *sbi = SMBX_SB(sb);

	kill_anon_super(sb);
	/* ruleid: evict-without-waiting-for-io */
	smbx_umount(sbi);
	wait_var_event(&smbx_nr_reqs, atomic_read(&smbx_nr_reqs) == 0);
}

/* ceph style near miss: the completion workqueue is flushed before the client goes
 * (and nothing else in view shows netfs-style requests: quiet either way). */
static void cephx_kill_sb(struct super_block *s)
{
	struct cephx_fs_client *fsc = cephx_sb_to_client(s);

	cephx_mdsc_pre_umount(fsc->mdsc);
	kill_anon_super(s);
	flush_workqueue(fsc->inode_wq);
	/* ok: evict-without-waiting-for-io */
	cephx_destroy_client(fsc);
}

/* nfs style: shuts down, drops its cache volume, then frees the server with RPCs
 * possibly in flight. */
static void nfsx_kill_super(struct super_block *s)
{
	struct nfsx_server *server = NFSX_SB(s);
	dev_t dev = s->s_dev;

	generic_shutdown_super(s);
	/* ruleid: evict-without-waiting-for-io */
	fscache_relinquish_volume(server->fscache, NULL, false);
	nfsx_free_server(server);
	free_anon_bdev(dev);
}

/* nfs style near miss: completions are waited for before the cache volume and the
 * server go. */
static void nfsy_kill_super(struct super_block *s)
{
	struct nfsx_server *server = NFSX_SB(s);

	generic_shutdown_super(s);
	wait_for_completion(&server->rpcs_done);
	/* ok: evict-without-waiting-for-io */
	fscache_relinquish_volume(server->fscache, NULL, false);
	nfsx_free_server(server);
}

/* ceph style near miss: waits for its blockers only while some are counted (the test
 * is of the count itself), in a block of its own, before the shutdown. */
static void cephy_kill_sb(struct super_block *s)
{
	struct cephx_fs_client *fsc = cephx_sb_to_client(s);
	bool wait = !!atomic_read(&fsc->blockers);

	if (wait && atomic_read(&fsc->blockers)) {
		long left = wait_for_completion_killable_timeout(&fsc->unblocked, HZ);

		if (!left)
			pr_warn("umount timed out\n");
	}
	kill_anon_super(s);
	cephx_debugfs_cleanup(fsc);
	/* ok: evict-without-waiting-for-io */
	fscache_relinquish_volume(fsc->fscache, NULL, false);
	cephx_destroy_client(fsc);
}

/* ceph style: waits only when an option asks for it, a test that says nothing about
 * outstanding requests, so the other path tears the client down with them in flight. */
static void cephz_kill_sb(struct super_block *s)
{
	struct cephx_fs_client *fsc = cephx_sb_to_client(s);

	if (fsc->wait_on_umount)
		wait_for_completion(&fsc->unblocked);
	kill_anon_super(s);
	/* ruleid: evict-without-waiting-for-io */
	fscache_relinquish_volume(fsc->fscache, NULL, false);
	cephx_destroy_client(fsc);
}

static void fusex_sb_destroy(struct super_block *sb)
{
	struct fusex_conn *fc = get_fusex_conn_super(sb);

	fusex_abort_conn(fc);
	wait_event(fc->blocked_waitq, atomic_read(&fc->num_waiting) == 0);
}

/* fuse style near miss: the helper run before the shutdown waits for the requests. */
static void fusex_kill_sb_anon(struct super_block *sb)
{
	fusex_sb_destroy(sb);
	kill_anon_super(sb);
	/* ok: evict-without-waiting-for-io */
	fusex_mount_destroy(get_fusex_mount_super(sb));
}

/* fuse style: the connection is aborted, but nobody waits for its requests; nothing
 * in view shows asynchronous requests, so the rule is quiet. */
static void fusey_kill_sb_anon(struct super_block *sb)
{
	struct fusex_conn *fc = get_fusex_conn_super(sb);

	fusex_abort_conn(fc);
	kill_anon_super(sb);
	/* ok: evict-without-waiting-for-io */
	fusex_conn_put(fc);
}
