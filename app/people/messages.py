"""Translated messages for roster and identifier error codes (one table, used by forms, imports and the API)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "id.length": lambda p: _("证件号码 %(value)s 应为 18 位", value=p.get("value", "")),
    "id.format": lambda p: _("证件号码 %(value)s 只能由数字和末位 X 组成", value=p.get("value", "")),
    "id.birth_date": lambda p: _("证件号码 %(value)s 中的出生日期无效", value=p.get("value", "")),
    "id.checksum": lambda p: _("证件号码 %(value)s 校验位错误", value=p.get("value", "")),
    "id.region": lambda p: _("证件号码 %(value)s 的地区码与证件类型不符", value=p.get("value", "")),
    "id.stored_as_number": lambda p: _(
        "证件号码 %(value)s 被表格存成了数字，末几位已丢失：请把该列设为“文本”格式后重新填写", value=p.get("value", "")
    ),
    "uscc.length": lambda p: _("统一社会信用代码 %(value)s 应为 18 位", value=p.get("value", "")),
    "uscc.format": lambda p: _("统一社会信用代码 %(value)s 含有不允许的字符", value=p.get("value", "")),
    "uscc.checksum": lambda p: _("统一社会信用代码 %(value)s 校验位错误", value=p.get("value", "")),
    "operation.required": lambda p: _("特种作业人员必须填写操作项目"),
    "operation.unknown": lambda p: _("操作项目代码 %(code)s 不在特种作业目录中", code=p.get("code", "")),
    "employment.duplicate": lambda p: _("%(name)s 已在本单位花名册中", name=p.get("name", "")),
    "person.name_mismatch": lambda p: _(
        "该证件号码已登记，但%(field)s与登记信息不一致。已登记人员的%(field)s只能由本人、监管部门或其唯一在职单位更正。",
        field=p.get("field", ""),
    ),
    "person.shared_field": lambda p: _(
        "不能修改%(field)s：该人员还在其他单位任职，%(field)s为各单位共享信息，须由本人或监管部门更正。",
        field=p.get("field", ""),
    ),
    "employment.already_ended": lambda p: _("该任职已经结束"),
    "employment.end_before_start": lambda p: _("离职日期不能早于入职日期 %(start)s", start=p.get("start", "")),
    "enterprise.duplicate": lambda p: _("统一社会信用代码 %(value)s 已登记", value=p.get("value", "")),
    "roster_import.already_applied": lambda p: _("该批次已经导入过。"),
    "roster_import.not_ready": lambda p: _("文件还在解析中，请稍候。"),
    "roster_import.has_errors": lambda p: _("文件中仍有错误，未导入任何数据。请修正后重新上传。"),
    "roster_import.row_conflict": lambda p: _("%(problem)s 未导入任何数据。", problem=p.get("problem", "")),
    "photo.too_large": lambda p: _("照片文件太大（不超过 %(mb)s MB），请压缩后再上传。", mb=p.get("mb", "")),
    "photo.too_many_pixels": lambda p: _(
        "照片像素过多（%(width)s × %(height)s 像素，最多 %(mp)s 百万像素），请缩小后再上传。",
        width=p.get("width", ""),
        height=p.get("height", ""),
        mp=p.get("mp", ""),
    ),
    "photo.not_an_image": lambda p: _("无法识别的照片文件，请上传 JPG、PNG 或 WebP 格式的证件照。"),
    "photo.not_allowed": lambda p: _("只有本人、其唯一在职单位或监管部门可以更换登记照片。"),
    "photo.consent_withdrawn": lambda p: _("本人已撤回登记照片的使用同意：只有本人可以重新上传。"),
    "photo.no_face": lambda p: _("照片中没有检测到人脸：请上传本人正面免冠证件照，人脸位于画面中部。"),
    "photo.several_faces": lambda p: _(
        "照片中检测到 %(n)s 张人脸：登记照片只能有本人一人，请重新上传。", n=p.get("n", "")
    ),
    "snapshot.no_face": lambda p: _("没有拍到人脸：请正对摄像头、保持光线充足，然后重拍。"),
    "snapshot.several_faces": lambda p: _(
        "画面中有 %(n)s 张人脸：抓拍时镜头前只能有您本人，请重拍。", n=p.get("n", "")
    ),
    "snapshot.same_picture": lambda p: _(
        "这张照片与您之前的一张抓拍几乎相同，不能算作新的抓拍：请稍微调整姿势或位置后重拍。"
    ),
    "snapshot.same_as_photo": lambda p: _("这张照片与您的登记照片几乎相同：抓拍必须是摄像头此刻拍下的画面，请重拍。"),
    "snapshot.too_large": lambda p: _("抓拍图片太大（不超过 %(mb)s MB）。", mb=p.get("mb", "")),
    "snapshot.too_many_pixels": lambda p: _(
        "抓拍图片像素过多（%(width)s × %(height)s 像素，最多 %(mp)s 百万像素）。",
        width=p.get("width", ""),
        height=p.get("height", ""),
        mp=p.get("mp", ""),
    ),
    "snapshot.not_an_image": lambda p: _("无法识别的抓拍图片，应为 JPG、PNG 或 WebP 格式。"),
    "snapshot.empty": lambda p: _("没有收到抓拍图片。"),
    "snapshot.not_due": lambda p: _("现在不需要抓拍。"),
    "snapshot.no_consent": lambda p: _("您尚未同意人像抓拍，不能上传抓拍图片。"),
    "snapshot.no_plan": lambda p: _("请先打开学习或考试页面。"),
    "snapshot.review_verdict": lambda p: _("请选择复核结论：本人或非本人。"),
    "snapshot.review_note_required": lambda p: _("复核说明：判定为非本人时必须填写依据。"),
    "snapshot.review_note_too_long": lambda p: _("复核说明不能超过 %(max)s 个字。", max=p.get("max", "")),
    "snapshot.review_closed": lambda p: _("这张抓拍已经复核过或无需复核，本次复核未保存。"),
    "correction.addressee": lambda p: _("请选择您现在的任职单位或监管部门。"),
    "correction.reason_required": lambda p: _("不予更正时请说明理由。"),
    "correction.answered": lambda p: _("该更正申请已答复，本次答复未保存。"),
}

register(MESSAGES)
