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

/* ceph style near miss: each request was just allocated here and no other CPU can
 * reach it yet, so a field of the same name in two functions is not a shared word. */
static struct cephx_req *cephx_new_write_req(struct cephx_client *cl)
{
	struct cephx_req *req = cephx_alloc_request(cl, GFP_NOFS);

	if (!req)
		return NULL;
	/* ok: nonatomic-flags-update */
	req->r_flags |= CEPHX_REQ_WRITE;
	return req;
}

static struct cephx_req *cephx_new_read_req(struct cephx_client *cl)
{
	struct cephx_req *req = cephx_alloc_request(cl, GFP_NOFS);

	if (!req)
		return NULL;
	/* ok: nonatomic-flags-update */
	req->r_flags |= CEPHX_REQ_READ;
	return req;
}

/* ... but once the request is queued, other contexts see it. */
static void cephx_queue_req(struct cephx_client *cl)
{
	struct cephx_req *req = cephx_alloc_request(cl, GFP_NOFS);

	cephx_submit(cl, req);
	/* ruleid: nonatomic-flags-update */
	req->r_flags |= CEPHX_REQ_ABORT;
}

static void cephx_complete_req(struct cephx_req *req)
{
	set_bit(CEPHX_REQ_DONE_BIT, &req->r_flags);
}

/* ceph style near miss: called with the inode lock held, which it drops. */
static void cephx_handle_grant(struct cephx_inode *ci)
{
	/* ok: nonatomic-flags-update */
	ci->i_flags |= CEPHX_I_FORCE;
	spin_unlock(&ci->i_lock);
}

/* The same field name in another kind of object is another word. */
static void cephx_mark_session(struct cephx_session *s)
{
	/* ok: nonatomic-flags-update */
	s->i_flags |= CEPHX_S_STALE;
}

static void cephx_prep(struct cephx_inode *ci)
{
	spin_lock(&ci->i_lock);
	/* ok: nonatomic-flags-update */
	clear_bit(CEPHX_I_FLUSH_BIT, &ci->i_flags);
	spin_unlock(&ci->i_lock);
}
