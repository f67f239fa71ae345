/* Synthetic examples for size-update-without-inode-lock, written for reviewbot in the
 * style of several filesystems. Not kernel code. */

static ssize_t bchx_copy_folios(struct bchx_inode *inode, struct iov_iter *iter,
				loff_t pos, unsigned int len)
{
	loff_t end = pos + bchx_copy_in(inode, iter, pos, len);

	spin_lock(&inode->v.i_lock);
	if (end > inode->v.i_size)
		i_size_write(&inode->v, end);
	spin_unlock(&inode->v.i_lock);
	return end - pos;
}

/* bcachefs style: the lock is only taken for appends and extending writes. */
static ssize_t bchx_buffered_write(struct kiocb *iocb, struct iov_iter *iter)
{
	struct bchx_inode *inode = file_bchx_inode(iocb->ki_filp);
	ssize_t ret;

	if ((iocb->ki_flags & IOCB_APPEND) ||
	    iocb->ki_pos + iov_iter_count(iter) > i_size_read(&inode->v))
		/* ruleid: size-update-without-inode-lock */
		inode_lock(&inode->v);
	ret = bchx_copy_folios(inode, iter, iocb->ki_pos, iov_iter_count(iter));
	return ret;
}

/* ext4 style: buffered write with no lock at all. */
static ssize_t ext4x_buffered_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	/* ruleid: size-update-without-inode-lock */
	ret = generic_perform_write(iocb, from);
	if (ret > 0)
		iocb->ki_pos += ret;
	return ret;
}

/* xfs style: only the shared lock is taken. */
static ssize_t xfsx_file_buffered_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	inode_lock_shared(inode);
	/* ruleid: size-update-without-inode-lock */
	ret = iomap_file_buffered_write(iocb, from, &xfsx_buffered_ops, NULL);
	inode_unlock_shared(inode);
	return ret;
}

/* bcachefs style near miss: the revert takes the lock around everything. */
static ssize_t bchy_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct bchx_inode *inode = file_bchx_inode(iocb->ki_filp);
	ssize_t ret;

	if (iocb->ki_flags & IOCB_DIRECT)
		return bchx_direct_write(iocb, from);
	/* ok: size-update-without-inode-lock */
	inode_lock(&inode->v);
	ret = bchx_copy_folios(inode, from, iocb->ki_pos, iov_iter_count(from));
	inode_unlock(&inode->v);
	return ret;
}

/* btrfs style near miss: lock taken, then a helper does the work. */
static ssize_t btrfsx_buffered_write(struct kiocb *iocb, struct iov_iter *i)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	/* ok: size-update-without-inode-lock */
	inode_lock(inode);
	ret = generic_perform_write(iocb, i);
	inode_unlock(inode);
	return ret;
}

/* ext4 style near miss: a direct-I/O-only path is not this rule's business. */
static ssize_t ext4x_dio_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);

	/* ok: size-update-without-inode-lock */
	inode_dio_wait(inode);
	return iomap_dio_rw(iocb, from, &ext4x_iomap_ops, NULL, 0, NULL, 0);
}

/* nfs style: the write runs inside the filesystem's own start/end bracket on the inode,
 * whose helpers this file does not show (in nfs they take i_rwsem exclusively): the write
 * is not shown to run without the inode lock. */
static ssize_t nfsx_file_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t result;

	nfsx_start_io_write(inode);
	result = generic_write_checks(iocb, from);
	if (result > 0)
		/* ok: size-update-without-inode-lock */
		result = generic_perform_write(iocb, from);
	nfsx_end_io_write(inode);
	return result;
}

/* btrfs style near miss of the bracket above: sb_start_write()/sb_end_write() on the
 * superblock is freeze protection, not a lock on this inode; the write still runs
 * without the inode lock. */
static ssize_t btrfsx_buffered_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	sb_start_write(inode->i_sb);
	/* ruleid: size-update-without-inode-lock */
	ret = generic_perform_write(iocb, from);
	sb_end_write(inode->i_sb);
	return ret;
}

/* btrfs style near miss: btrfs_inode_lock() without BTRFS_ILOCK_SHARED is inode_lock()
 * (a trylock with BTRFS_ILOCK_TRY, whose failure returns before the write). */
static ssize_t btrfsy_buffered_write(struct kiocb *iocb, struct iov_iter *i)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	unsigned int ilock_flags = 0;
	ssize_t ret;

	if (iocb->ki_flags & IOCB_NOWAIT)
		ilock_flags |= BTRFS_ILOCK_TRY;
	/* ok: size-update-without-inode-lock */
	ret = btrfs_inode_lock(BTRFS_I(inode), ilock_flags);
	if (ret < 0)
		return ret;
	/* ok: size-update-without-inode-lock */
	ret = generic_perform_write(iocb, i);
	btrfs_inode_unlock(BTRFS_I(inode), ilock_flags);
	return ret;
}

/* xfs style near miss: the iolock taken exclusive is i_rwsem itself. */
static ssize_t xfsy_file_buffered_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct xfs_inode *ip = XFS_I(file_inode(iocb->ki_filp));
	unsigned int iolock = XFS_IOLOCK_EXCL;
	ssize_t ret;

	/* ok: size-update-without-inode-lock */
	ret = xfs_ilock_iocb(iocb, iolock);
	if (ret)
		return ret;
	/* ok: size-update-without-inode-lock */
	ret = iomap_file_buffered_write(iocb, from, &xfsx_buffered_ops, NULL);
	xfs_iunlock(ip, iolock);
	return ret;
}

/* xfs style: XFS_ILOCK_EXCL is the inner inode lock, not i_rwsem; the buffered write
 * still runs without the inode lock. */
static ssize_t xfsz_file_buffered_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct xfs_inode *ip = XFS_I(file_inode(iocb->ki_filp));
	ssize_t ret;

	xfs_ilock(ip, XFS_ILOCK_EXCL);
	/* ruleid: size-update-without-inode-lock */
	ret = iomap_file_buffered_write(iocb, from, &xfsx_buffered_ops, NULL);
	xfs_iunlock(ip, XFS_ILOCK_EXCL);
	return ret;
}

/* f2fs style near miss: a trylock for IOCB_NOWAIT and inode_lock() otherwise cover
 * every path to the write. */
static ssize_t f2fsx_file_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock(inode))
			return -EAGAIN;
	} else {
		inode_lock(inode);
	}
	/* ok: size-update-without-inode-lock */
	ret = generic_perform_write(iocb, from);
	inode_unlock(inode);
	return ret;
}
