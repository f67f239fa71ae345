/* Synthetic examples for cached-iomap-used-after-folio-lock, written for reviewbot in the
 * style of iomap users. Not kernel code. */

/* iomap core style: no revalidation once the folio is locked. */
static int iomx_write_begin(struct iomap_iter *iter, loff_t pos, size_t len,
			    struct folio **foliop)
{
	struct folio *folio;

	/* ruleid: cached-iomap-used-after-folio-lock */
	folio = iomx_get_folio(iter, pos, len);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	if (iter->iomap.type == IOMAP_UNWRITTEN)
		folio_zero_range(folio, 0, folio_size(folio));
	*foliop = folio;
	return 0;
}

/* gfs2 style: page interface, trusts the mapping. */
static int gfsx_write_begin(struct iomap_iter *iter, loff_t pos, unsigned int len,
			    struct page **pagep)
{
	struct page *page;

	/* ruleid: cached-iomap-used-after-folio-lock */
	page = grab_cache_page_write_begin(iter->inode->i_mapping, pos >> PAGE_SHIFT);
	gfsx_zero_new(page, &iter->iomap, pos, len);
	*pagep = page;
	return 0;
}

/* xfs style: calls a check, but before the folio is locked. */
static int xfsx_write_begin(struct iomap_iter *iter, loff_t pos, size_t len,
			    struct folio **foliop)
{
	struct folio *folio;

	/* ruleid: cached-iomap-used-after-folio-lock */
	if (!iter->iomap.folio_ops->iomap_valid(iter->inode, &iter->iomap))
		return -ESTALE;
	folio = __filemap_get_folio(iter->inode->i_mapping, pos >> PAGE_SHIFT,
				    FGP_WRITEBEGIN, GFP_NOFS);
	iomx_zero_unwritten(folio, &iter->iomap, pos, len);
	*foliop = folio;
	return 0;
}

/* iomap core style near miss: hook called after locking. */
static int iomy_write_begin(struct iomap_iter *iter, loff_t pos, size_t len,
			    struct folio **foliop)
{
	const struct iomap_folio_ops *ops = iter->iomap.folio_ops;
	struct folio *folio;

	/* ok: cached-iomap-used-after-folio-lock */
	folio = iomx_get_folio(iter, pos, len);
	if (ops && ops->iomap_valid) {
		bool valid = ops->iomap_valid(iter->inode, &iter->iomap);

		if (!valid) {
			iter->iomap.flags |= IOMAP_F_STALE;
			folio_unlock(folio);
			return 0;
		}
	}
	*foliop = folio;
	return 0;
}

/* ext4 style near miss: compares the cookie itself. */
static int ext4x_write_begin(struct iomap_iter *iter, loff_t pos, size_t len,
			     struct folio **foliop)
{
	struct folio *folio;

	/* ok: cached-iomap-used-after-folio-lock */
	folio = __filemap_get_folio(iter->inode->i_mapping, pos >> PAGE_SHIFT,
				    FGP_WRITEBEGIN, GFP_NOFS);
	if (iter->iomap.validity_cookie != READ_ONCE(EXT4X_I(iter->inode)->i_es_seq))
		goto stale;
	*foliop = folio;
	return 0;
stale:
	folio_unlock(folio);
	return -EAGAIN;
}

/* bcachefs style near miss: a write_begin without any iomap. */
static int bchx_write_begin(struct file *file, struct address_space *mapping,
			    loff_t pos, unsigned int len, struct folio **foliop)
{
	/* ok: cached-iomap-used-after-folio-lock */
	struct folio *folio = __filemap_get_folio(mapping, pos >> PAGE_SHIFT,
						  FGP_WRITEBEGIN, GFP_NOFS);
	*foliop = folio;
	return 0;
}
