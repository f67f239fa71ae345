/* Synthetic examples for cached-mapping-without-revalidation, written for reviewbot in
 * the style of several block filesystems. Not kernel code. */

/* ext2 style: range check only. */
static int ext2x_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			    loff_t offset, unsigned int len)
{
	/* ruleid: cached-mapping-without-revalidation */
	if (offset >= wpc->iomap.offset &&
	    offset < wpc->iomap.offset + wpc->iomap.length)
		return 0;
	return ext2x_iomap_begin(inode, offset, (loff_t)ext2x_nr_mapped(inode, offset)
				 << inode->i_blkbits, IOMAP_WRITE, &wpc->iomap, NULL);
}

static bool zonex_in_range(struct iomap_writepage_ctx *wpc, loff_t offset)
{
	return offset >= wpc->iomap.offset &&
	       offset < wpc->iomap.offset + wpc->iomap.length;
}

/* zonefs style: the range check hides in a helper. */
static int zonex_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			    loff_t offset, unsigned int len)
{
	/* ruleid: cached-mapping-without-revalidation */
	if (zonex_in_range(wpc, offset))
		return 0;
	return zonex_iomap_begin(inode, offset, len, &wpc->iomap);
}

/* gfs2 style: a cookie is stored but never compared. */
static int gfsx_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			   loff_t offset, unsigned int len)
{
	/* ruleid: cached-mapping-without-revalidation */
	if (offset >= wpc->iomap.offset && offset < wpc->iomap.offset + wpc->iomap.length)
		return 0;
	wpc->iomap.validity_cookie = READ_ONCE(GFSX_I(inode)->i_seq);
	return gfsx_iomap_get(inode, offset, len, &wpc->iomap);
}

static bool ext2y_imap_valid(struct iomap_writepage_ctx *wpc, struct inode *inode,
			     loff_t offset)
{
	if (offset < wpc->iomap.offset ||
	    offset >= wpc->iomap.offset + wpc->iomap.length)
		return false;
	return wpc->iomap.validity_cookie == READ_ONCE(EXT2Y_I(inode)->i_blkseq);
}

/* ext2 style near miss: cookie stored and checked in a helper. */
static int ext2y_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			    loff_t offset, unsigned int len)
{
	/* ok: cached-mapping-without-revalidation */
	if (ext2y_imap_valid(wpc, inode, offset))
		return 0;
	wpc->iomap.validity_cookie = READ_ONCE(EXT2Y_I(inode)->i_blkseq);
	return ext2y_iomap_begin(inode, offset, len, &wpc->iomap);
}

/* xfs style near miss: sequence numbers compared inline. */
static int xfsx_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			   loff_t offset, unsigned int len)
{
	struct xfsx_writepage_ctx *ctx = XFSX_WPC(wpc);

	/* ok: cached-mapping-without-revalidation */
	if (offset >= wpc->iomap.offset &&
	    offset < wpc->iomap.offset + wpc->iomap.length &&
	    ctx->data_seq == READ_ONCE(XFSX_I(inode)->i_df_seq))
		return 0;
	ctx->data_seq = READ_ONCE(XFSX_I(inode)->i_df_seq);
	return xfsx_bmapi(inode, offset, len, &wpc->iomap);
}

/* ext2 style near miss: the cached mapping covers one block, nothing outlives a folio. */
static int ext2z_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			    loff_t offset, unsigned int len)
{
	/* ok: cached-mapping-without-revalidation */
	if (offset >= wpc->iomap.offset &&
	    offset < wpc->iomap.offset + wpc->iomap.length)
		return 0;
	return ext2z_iomap_begin(inode, offset, inode->i_sb->s_blocksize,
				 IOMAP_WRITE, &wpc->iomap, NULL);
}

/* btrfs style near miss: never reuses a mapping, maps every time. */
static int btrfsx_map_blocks(struct iomap_writepage_ctx *wpc, struct inode *inode,
			     loff_t offset, unsigned int len)
{
	/* ok: cached-mapping-without-revalidation */
	return btrfsx_get_extent(inode, offset, len, &wpc->iomap);
}
