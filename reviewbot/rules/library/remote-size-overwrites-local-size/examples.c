/* Synthetic examples for remote-size-overwrites-local-size, written for reviewbot in the
 * style of several network filesystems. Not kernel code. */

static void p9x_apply(struct p9x_stat *st, struct inode *inode, int flags)
{
	inode->i_mode = st->mode;
	if (!(flags & P9X_KEEP_SIZE))
		p9x_i_size_write(inode, st->length);
}

/* 9p style: the helper could keep the size, but the caller does not ask it to. */
static int p9x_getattr(struct mnt_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct p9x_stat *st;

	filemap_fdatawrite(inode->i_mapping);
	st = p9x_client_stat(p9x_fid(path->dentry));
	/* ruleid: remote-size-overwrites-local-size */
	p9x_apply(st, inode, 0);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* ceph style: the reply's size is written straight into the inode. */
static int cephx_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct cephx_reply *reply;

	filemap_fdatawrite(inode->i_mapping);
	reply = cephx_do_getattr(inode, request_mask);
	cephx_fill_times(reply, inode);
	/* ruleid: remote-size-overwrites-local-size */
	i_size_write(inode, reply->size);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

static void smbx_apply(struct smbx_info *info, struct inode *inode)
{
	inode->i_mode = info->mode;
	truncate_setsize(inode, info->eof);
}

/* cifs style: the size change hides in a helper that truncates. */
static int smbx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct smbx_info *info;

	filemap_fdatawrite(inode->i_mapping);
	info = smbx_query_info(inode);
	/* ruleid: remote-size-overwrites-local-size */
	smbx_apply(info, inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* 9p style near miss: the caller passes the keep-size flag. */
static int p9y_getattr(struct mnt_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct p9x_stat *st;

	filemap_fdatawrite(inode->i_mapping);
	st = p9x_client_stat(p9x_fid(path->dentry));
	/* ok: remote-size-overwrites-local-size */
	p9x_apply(st, inode, P9X_KEEP_SIZE);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

static void afsx_apply(struct afsx_status *status, struct afsx_vnode *vnode)
{
	if (status->size != vnode->netfs.remote_i_size) {
		vnode->netfs.remote_i_size = status->size;
		i_size_write(&vnode->netfs.inode, status->size);
	}
}

/* afs style: only a change on the server moves i_size, but a reply that crossed a
 * write RPC still looks like a change on the server. */
static int afsx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct afsx_status *status;

	filemap_fdatawrite(inode->i_mapping);
	status = afsx_fetch_status(inode);
	/* ruleid: remote-size-overwrites-local-size */
	afsx_apply(status, AFSX_VNODE(inode));
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* fuse style near miss: the size only ever grows from a reply. */
static int fusex_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct fusex_attr_out *out;

	filemap_fdatawrite(inode->i_mapping);
	out = fusex_do_getattr(inode);
	fusex_copy_times(out, inode);
	if (out->size > i_size_read(inode))
		/* ok: remote-size-overwrites-local-size */
		i_size_write(inode, out->size);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* nfs style near miss: the size is left alone while the page cache is dirty. */
static int nfsx_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct nfsx_fattr *fattr;

	filemap_fdatawrite(inode->i_mapping);
	fattr = nfsx_proc_getattr(inode);
	nfsx_update_times(fattr, inode);
	if (!mapping_tagged(inode->i_mapping, PAGECACHE_TAG_DIRTY) &&
	    !mapping_tagged(inode->i_mapping, PAGECACHE_TAG_WRITEBACK))
		/* ok: remote-size-overwrites-local-size */
		i_size_write(inode, fattr->size);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* ceph style near miss: writers are excluded while the flush and the reply run. */
static int cephy_getattr(struct mnt_idmap *idmap, const struct path *path,
			 struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct cephx_reply *reply;

	inode_lock(inode);
	filemap_write_and_wait(inode->i_mapping);
	reply = cephx_do_getattr(inode, request_mask);
	/* ok: remote-size-overwrites-local-size */
	i_size_write(inode, reply->size);
	inode_unlock(inode);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}
