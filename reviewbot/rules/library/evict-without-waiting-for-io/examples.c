/* Synthetic examples for evict-without-waiting-for-io, written for reviewbot in the
 * style of several filesystems. Not kernel code. */

static void p9x_wait_io(struct inode *inode)
{
	struct p9x_inode *v = P9X_I(inode);

	wait_var_event(&v->io_count, atomic_read(&v->io_count) == 0);
}

/* 9p style: no wait at all before the inode is cleared. */
static void p9x_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	p9x_put_writeback(inode);
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

/* ext4 style near miss: direct I/O drained first. */
static void ext4x_evict_inode(struct inode *inode)
{
	inode_dio_wait(inode);
	/* ok: evict-without-waiting-for-io */
	truncate_inode_pages_final(&inode->i_data);
	ext4x_free_blocks(inode);
	clear_inode(inode);
}
