/* Synthetic examples for nonatomic-flags-update, written for reviewbot in the style of
 * several filesystems. Not kernel code. */

/* 9p style: the word is cleared atomically elsewhere, set with |= here. */
static void p9x_invalidate_attr(struct inode *inode)
{
	struct p9x_inode *v = P9X_I(inode);

	/* ruleid: nonatomic-flags-update */
	v->cache_validity |= P9X_INVALID_ATTR;
}

static void p9x_attr_valid(struct inode *inode)
{
	clear_bit(P9X_INVALID_ATTR_BIT, &P9X_I(inode)->cache_validity);
}

/* nfs style: cleared with &= ~ in one function ... */
static void nfsx_clear_invalid(struct nfsx_inode *nfsi)
{
	/* ruleid: nonatomic-flags-update */
	nfsi->cache_flags &= ~NFSX_INVALID_DATA;
}

/* ... and set with |= in another. */
static void nfsx_set_invalid(struct nfsx_inode *nfsi)
{
	/* ruleid: nonatomic-flags-update */
	nfsi->cache_flags |= NFSX_INVALID_DATA;
}

/* afs style near miss: atomic bitop. */
static void afsx_mark_deleted(struct afsx_vnode *vnode)
{
	/* ok: nonatomic-flags-update */
	set_bit(AFSX_VNODE_DELETED, &vnode->flags);
	clear_bit(AFSX_VNODE_CB_PROMISED, &vnode->flags);
}

/* fuse style near miss: plain update under the lock every writer takes. */
static void fusex_invalidate(struct fusex_inode *fi)
{
	spin_lock(&fi->lock);
	/* ok: nonatomic-flags-update */
	fi->state |= FUSEX_I_INVALID;
	spin_unlock(&fi->lock);
}

static void fusex_validate(struct fusex_inode *fi)
{
	spin_lock(&fi->lock);
	fi->state &= ~FUSEX_I_INVALID;
	spin_unlock(&fi->lock);
}

/* xfs style near miss: the kstat belongs to this call only. */
static void xfsx_report(struct xfsx_inode *ip, struct kstat *stat)
{
	/* ok: nonatomic-flags-update */
	stat->result_mask |= STATX_DIOALIGN;
	stat->attributes |= STATX_ATTR_DAX;
}

static void xfsx_report_more(struct xfsx_inode *ip, struct kstat *stat)
{
	stat->result_mask |= STATX_WRITE_ATOMIC;
}
