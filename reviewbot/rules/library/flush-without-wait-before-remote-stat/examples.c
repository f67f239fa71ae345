/* Synthetic examples for flush-without-wait-before-remote-stat, written for reviewbot
 * in the style of several network filesystems. Not kernel code. */

#define zfs_kick_writeback(inode) filemap_fdatawrite((inode)->i_mapping)

/* 9p style: flush started, not waited for, reply applied. */
static int p9x_getattr(struct mnt_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct p9x_stat *st;
	int retval;

	if (S_ISREG(inode->i_mode)) {
		/* ruleid: flush-without-wait-before-remote-stat */
		retval = filemap_fdatawrite(inode->i_mapping);
	}
	st = p9x_client_stat(p9x_fid(path->dentry));
	if (IS_ERR(st))
		return PTR_ERR(st);
	p9x_stat_to_inode(st, inode, 0);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* cifs style: the flush is a declaration, easy to miss. */
static int smbx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct smbx_info *info;
	/* ruleid: flush-without-wait-before-remote-stat */
	int rc = filemap_fdatawrite_range(inode->i_mapping, 0, LLONG_MAX);

	info = smbx_query_info(inode);
	smbx_apply_info(info, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return rc;
}

/* afs style: the flush hides in a macro. */
static int afsx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct afsx_status *status;

	/* ruleid: flush-without-wait-before-remote-stat */
	zfs_kick_writeback(inode);
	status = afsx_fetch_status(inode);
	afsx_update_from_status(status, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* ceph style near miss: range write followed by a range wait. */
static int cephx_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct cephx_reply *reply;

	/* ok: flush-without-wait-before-remote-stat */
	filemap_fdatawrite_range(inode->i_mapping, 0, LLONG_MAX);
	filemap_fdatawait_range(inode->i_mapping, 0, LLONG_MAX);
	reply = cephx_do_getattr(inode, request_mask);
	cephx_fill_inode(reply, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* fuse style: write and wait before asking. */
static int fusex_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct fusex_attr_out *out;

	/* ok: flush-without-wait-before-remote-stat */
	filemap_write_and_wait(inode->i_mapping);
	out = fusex_do_getattr(inode);
	fusex_change_attributes(out, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* nfs style near miss: the wait hides in a helper. */
static void nfsx_sync_data(struct inode *inode)
{
	filemap_write_and_wait(inode->i_mapping);
}

static int nfsx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct nfsx_fattr *fattr;

	if (S_ISREG(inode->i_mode))
		/* ok: flush-without-wait-before-remote-stat */
		nfsx_sync_data(inode);
	fattr = nfsx_proc_getattr(inode);
	nfsx_refresh_inode(fattr, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* cifs style: the revalidation that asks the server takes the path, not the inode, so
 * no call after the flush names the inode; the function is a ->getattr (it takes the
 * const struct path * and tests the request's STATX_ bits) that flushes on its default
 * path, which only a getattr asking a server does. */
static int smbx_getattr_by_path(struct mnt_idmap *idmap, const struct path *path,
				struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	int rc;

	if ((request_mask & (STATX_CTIME | STATX_MTIME | STATX_SIZE)) &&
	    inode->i_mapping->nrpages != 0) {
		/* ruleid: flush-without-wait-before-remote-stat */
		rc = filemap_fdatawrite(inode->i_mapping);
		if (rc)
			return rc;
	}
	rc = smbx_revalidate_path(path);
	if (rc)
		return rc;
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* nfs style near miss, same shape: the flush waits before the path revalidation. */
static int nfsx_getattr_by_path(struct mnt_idmap *idmap, const struct path *path,
				struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	int err;

	if ((request_mask & (STATX_CTIME | STATX_MTIME)) && S_ISREG(inode->i_mode))
		/* ok: flush-without-wait-before-remote-stat */
		filemap_write_and_wait(inode->i_mapping);
	err = nfsx_revalidate_path(path, request_mask);
	if (err)
		return err;
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* ext4 style: a local getattr tests STATX_ bits too, but flushes nothing; its only call
 * that starts I/O is unrelated to the attributes (ok: not a remote getattr at all). */
static int ext4x_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);

	if (request_mask & STATX_BTIME) {
		stat->result_mask |= STATX_BTIME;
		/* ok: flush-without-wait-before-remote-stat */
		stat->btime = ext4x_crtime(inode);
	}
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}
